"""Demucs local repositories holding RANDOMLY INITIALISED weights.

No real Demucs weights can be had on machines without internet, so tests and
benchmarks build a repository in Demucs' own layout (``<sig>-<sha256[:8]>.th``
files plus ``<name>.yaml`` bags) whose models have the real architectures and
random weights. Their output is noise-like: they exercise the machinery, shapes,
lengths and speed, never separation quality.
"""

from __future__ import annotations

import hashlib
import io
from fractions import Fraction
from pathlib import Path

import torch
from demucs.hdemucs import HDemucs
from demucs.htdemucs import HTDemucs

SOURCES = ["drums", "bass", "other", "vocals"]

# The hyperparameters of the published htdemucs (demucs' grids/mmi.py with
# bottom_channels=512, t_layers=5, dconv_mode=3; 7.8 s segments).
HTDEMUCS_KWARGS = {
    "sources": SOURCES,
    "audio_channels": 2,
    "samplerate": 44100,
    "segment": Fraction(39, 5),
    "channels": 48,
    "depth": 4,
    "nfft": 4096,
    "dconv_mode": 3,
    "bottom_channels": 512,
    "t_layers": 5,
    "t_dropout": 0.02,
}
# demucs.pretrained.demucs_unittest: a tiny HDemucs, fast enough for protocol tests.
UNITTEST_KWARGS = {"channels": 4, "sources": SOURCES}
# Architecture name -> (class, kwargs). "hdemucs" is the hybrid Demucs of mdx_extra's members.
ARCHITECTURES = {
    "htdemucs": (HTDemucs, HTDEMUCS_KWARGS),
    "htdemucs_6s": (HTDemucs, {**HTDEMUCS_KWARGS, "sources": [*SOURCES, "guitar", "piano"]}),
    "hdemucs": (HDemucs, {"sources": SOURCES}),
    "unittest": (HDemucs, UNITTEST_KWARGS),
}


def save_model(repo: Path, signature: str, klass: type, kwargs: dict, seed: int = 0) -> Path:
    """Serialize a randomly initialised ``klass(**kwargs)`` as Demucs does; returns the file."""
    torch.manual_seed(seed)
    model = klass(**kwargs)
    package = {
        "klass": klass,
        "args": (),
        "kwargs": kwargs,
        "state": {key: value.detach().cpu() for key, value in model.state_dict().items()},
    }
    buffer = io.BytesIO()
    torch.save(package, buffer)
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()[:8]
    path = repo / f"{signature}-{digest}.th"
    path.write_bytes(buffer.getvalue())
    return path


def save_bag(repo: Path, name: str, signatures: list[str]) -> Path:
    """Write ``<name>.yaml`` naming the bag's model signatures."""
    path = repo / f"{name}.yaml"
    path.write_text("models: [" + ", ".join(f"'{sig}'" for sig in signatures) + "]\n")
    return path


def build_repo(repo: Path, bags: dict[str, str], members: int = 1) -> Path:
    """Create a repo where each model name is a bag of ``members`` random-weight
    models of one of ARCHITECTURES, e.g. ``{"htdemucs": "unittest"}``."""
    repo.mkdir(parents=True, exist_ok=True)
    for index, (name, architecture) in enumerate(sorted(bags.items())):
        klass, kwargs = ARCHITECTURES[architecture]
        signatures = [
            f"{index:02d}{architecture[:6]}" + (f"{member}" if members > 1 else "") for member in range(members)
        ]
        for member, signature in enumerate(signatures):
            save_model(repo, signature, klass, kwargs, seed=index + member)
        save_bag(repo, name, signatures)
    return repo
