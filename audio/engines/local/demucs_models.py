"""Demucs models: loading without slow network retries, separation with progress.

Weights come from ``model_dir`` (Demucs' local repository layout: ``<sig>-<hash>.th``
files and ``<name>.yaml`` bags) when given, else from Demucs' legacy download
location through the torch hub cache. The HuggingFace hub path of
``demucs.pretrained.get_model`` is not used: offline it retries for about 25 s
before failing, and a missing model must fail at once with a useful message.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import demucs
import torch
import yaml
from demucs.apply import BagOfModels
from demucs.pretrained import REMOTE_ROOT, ROOT_URL, get_model
from demucs.repo import AnyModelRepo, BagOnlyRepo, LocalRepo, RemoteRepo

from audio.engines.base import EngineUnavailable
from audio.engines.local import demucs_precision
from audio.engines.local.availability import demucs_remote_files
from audio.engines.local.demucs_chunks import chunk_offsets, segment_samples, stream_chunks
from audio.engines.local.window import MixStats, TensorWindow, Window

logger = logging.getLogger(__name__)

# Demucs' default overlap between chunks. Its default single "shift" only moves
# the input by a random offset (no averaging), so it buys nothing and is not done.
OVERLAP = 0.25
REACHABILITY_TIMEOUT = 3.0
DOWNLOAD_SOCKET_TIMEOUT = 30.0
HOW_TO_PROVIDE = (
    "Set DEMUCS_MODEL_DIR to a folder holding the model's .th files and its <name>.yaml, "
    "or pre-populate the torch hub cache (%s) with the files Demucs downloads."
)
NOT_INSTALLED_LOG = "Model %s cannot load. %s " + HOW_TO_PROVIDE


class DemucsSeparator:
    """A loaded Demucs model (or bag) with the runner's separator interface."""

    def __init__(self, name: str, bag: BagOfModels, signatures: list[str]):
        self.name = name
        self.bag = bag
        self.version = f"demucs {demucs.__version__} {name} [{', '.join(signatures)}]"
        self.samplerate = bag.samplerate
        self.sources = tuple(bag.sources)

    def separate(self, mix: torch.Tensor, progress: Callable[[float], None]) -> dict[str, torch.Tensor]:
        """Separate a (2, n) float32 mix in memory at ``samplerate``; ``progress`` gets 0..1."""
        ref = mix.mean(0)
        stats = MixStats(ref.mean().item(), ref.std().item())
        parts = list(self.stream(TensorWindow(mix), stats, progress))
        return {source: torch.cat([part[source] for _, part in parts], dim=-1) for source in self.sources}

    def stream(
        self, window: Window, stats: MixStats, progress: Callable[[float], None]
    ) -> Iterator[tuple[int, dict[str, torch.Tensor]]]:
        """Separate the track behind ``window`` (at ``samplerate``), yielding ``(start,
        {source: (2, n) samples})`` in order; ``stats`` are the whole track's, as Demucs'
        own normalisation needs them. ``progress`` gets 0..1; whatever it raises aborts
        the separation and propagates.
        """
        mean, std = stats.mean, max(stats.std, 1e-8)  # Demucs' normalisation, guarded for silence
        tracker = BagProgress(self.bag, window.length, progress)
        # A chunk takes seconds of CPU; a hook on every layer lets ``progress``
        # raise (cancel) within a layer's time.
        hooks = [
            module.register_forward_pre_hook(tracker.on_layer)
            for module in self.bag.modules()
            if next(module.children(), None) is None
        ]
        try:
            for start, block in stream_chunks(
                self.bag,
                window,
                (mean, std),
                overlap=OVERLAP,
                forward=demucs_precision.forward,
                chunk_done=tracker.on_chunk,
            ):
                block.mul_(std).add_(mean)
                yield start, {source: block[index] for index, source in enumerate(self.sources)}
        finally:
            for hook in hooks:
                hook.remove()


class BagProgress:
    """One monotonic fraction over the bag: the share of the track each member has
    finished, averaged over the members (they advance together)."""

    def __init__(self, bag: BagOfModels, length: int, report: Callable[[float], None]):
        self.strides = [chunk_offsets(length, segment_samples(m), OVERLAP).step for m in bag.models]
        self.length = max(1, length)
        self.within = [0.0] * len(bag.models)
        self.report = report
        self.best = 0.0

    def on_layer(self, *_: object) -> None:
        self.report(self.best)

    def on_chunk(self, model: int, offset: int) -> None:
        self.within[model] = min(1.0, (offset + self.strides[model]) / self.length)
        self.best = max(self.best, sum(self.within) / len(self.within))
        self.report(self.best)


def load_demucs(name: str, model_dir: Path | None, device: str) -> DemucsSeparator:
    """Load ``name`` as a bag; raise EngineUnavailable when its weights are missing."""
    if model_dir is not None:
        signatures = _local_signatures(name, model_dir)
        model = get_model(name, repo=model_dir)
    else:
        signatures, model = _load_remote(name)
    bag = model if isinstance(model, BagOfModels) else BagOfModels([model])
    bag.to(device)
    for member in bag.models:
        demucs_precision.prepare(member, name, device)
    return DemucsSeparator(name, bag, signatures)


def _local_signatures(name: str, model_dir: Path) -> list[str]:
    if not model_dir.is_dir():
        raise _not_installed(name, f"DEMUCS_MODEL_DIR={model_dir} is not a folder.")
    models = LocalRepo(model_dir)
    bags = BagOnlyRepo(model_dir, models)
    if models.has_model(name):
        return [name]
    if not bags.has_model(name):
        raise _not_installed(name, f"No weights for it in DEMUCS_MODEL_DIR={model_dir} ({name}.yaml is missing).")
    signatures = _bag_signatures(model_dir / f"{name}.yaml")
    missing = [sig for sig in signatures if not models.has_model(sig)]
    if missing:
        raise _not_installed(
            name, f"It needs {', '.join(s + '-*.th' for s in missing)} in DEMUCS_MODEL_DIR={model_dir}."
        )
    return signatures


def _not_installed(name: str, detail: str) -> EngineUnavailable:
    """The error a user reads; how an operator provides the weights goes to the log."""
    logger.error(NOT_INSTALLED_LOG, name, detail, torch.hub.get_dir())
    return EngineUnavailable(
        f"The {name} model is not installed on this server. Choose a model marked ready, "
        "or ask the server's administrator to install it."
    )


def _bag_signatures(yaml_file: Path) -> list[str]:
    with open(yaml_file) as handle:
        return list(yaml.safe_load(handle)["models"])


def _remote_urls() -> dict[str, str]:
    """Signature -> download URL, from the file list Demucs ships."""
    return {signature: ROOT_URL + path for signature, path in demucs_remote_files().items()}


def _load_remote(name: str) -> tuple[list[str], torch.nn.Module]:
    urls = _remote_urls()
    signatures = _bag_signatures(REMOTE_ROOT / f"{name}.yaml")
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    missing = [sig for sig in signatures if not (cache / Path(urlparse(urls[sig]).path).name).is_file()]
    if missing and not _reachable(urlparse(ROOT_URL).hostname or ""):
        raise _not_installed(name, f"Its weights are not in the torch hub cache and {ROOT_URL} cannot be reached.")
    remote = RemoteRepo(urls)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_SOCKET_TIMEOUT)
    try:
        model = AnyModelRepo(remote, BagOnlyRepo(REMOTE_ROOT, remote)).get_model(name)
    finally:
        socket.setdefaulttimeout(previous)
    model.eval()
    return signatures, model


def _reachable(host: str) -> bool:
    """Whether a TCP connection to host:443 opens within REACHABILITY_TIMEOUT.

    Runs in a thread because name resolution has no timeout of its own.
    """
    outcome: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=REACHABILITY_TIMEOUT).close()
            outcome.append(True)
        except OSError as exc:
            logger.info("model host %s unreachable: %s", host, exc)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(REACHABILITY_TIMEOUT)
    return bool(outcome)
