"""Fixtures for the local engine tests.

The Demucs repository used here holds RANDOMLY INITIALISED weights of the real
architectures (see tests.audio.engines.local.random_repo): these tests check the
machinery, protocol, shapes and lengths, never separation quality.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.engines.base import SeparationRequest
from audio.engines.local.engine import LocalEngine
from tests.audio.engines.local.faulty_runner import FAULT_FILE_ENV
from tests.audio.engines.local.random_repo import build_repo

# mdx_extra and htdemucs_ft -> demucs_unittest architecture (fast);
# htdemucs -> the real HTDemucs architecture (slow, used once for shapes).
FAST_MODEL = "mdx_extra"
REPO_LAYOUT = {"htdemucs": "htdemucs", "mdx_extra": "unittest", "htdemucs_ft": "unittest"}


@pytest.fixture(scope="session")
def demucs_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("demucs_repo"), REPO_LAYOUT)


def write_music(path: Path, seconds: float, rate: int = 44100, channels: int = 2) -> Path:
    """A few seconds of chords with a pulse: music-like, deterministic."""
    t = np.arange(int(seconds * rate)) / rate
    tones = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    pulse = np.sin(2 * np.pi * 2.0 * t).clip(0, None) * np.sin(2 * np.pi * 60.0 * t)
    mono = 0.15 * tones + 0.3 * pulse
    data = np.stack([mono * (0.8 + 0.2 * c) for c in range(channels)], axis=1)
    soundfile.write(str(path), data.astype(np.float32), rate)
    return path


@pytest.fixture
def music(tmp_path: Path) -> Callable[..., Path]:
    def make(seconds: float = 1.5, rate: int = 44100, channels: int = 2, name: str = "in.wav") -> Path:
        return write_music(tmp_path / name, seconds, rate, channels)

    return make


@pytest.fixture(scope="session")
def fault_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Writing a word (garbage, hang) here makes the runner misbehave on its next request."""
    return tmp_path_factory.mktemp("faults") / "fault"


def faulty_runner(fault_file: Path) -> dict:
    """LocalEngine arguments for a runner that misbehaves when ``fault_file`` says so."""
    return {"runner_module": "tests.audio.engines.local.faulty_runner", "env": {FAULT_FILE_ENV: str(fault_file)}}


@pytest.fixture(scope="session")
def shared_engine(demucs_repo: Path, fault_file: Path):
    engine = LocalEngine(concurrency=1, timeout=60, model_dir=demucs_repo, **faulty_runner(fault_file))
    yield engine
    engine.close()


@pytest.fixture
def make_engine(demucs_repo: Path, fault_file: Path):
    """A fresh engine with its own runner; closed after the test."""
    engines = []

    def make(**kwargs) -> LocalEngine:
        kwargs.setdefault("model_dir", demucs_repo)
        for key, value in faulty_runner(fault_file).items():
            kwargs.setdefault(key, value)
        engines.append(LocalEngine(concurrency=1, **kwargs))
        return engines[-1]

    yield make
    for engine in engines:
        engine.close()


def run(
    engine: LocalEngine,
    input_path: Path,
    work_dir: Path,
    *,
    model: str = FAST_MODEL,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    **options,
):
    """One separation through the engine; returns (result, progress steps seen)."""
    steps: list[int] = []

    def record(percent: int) -> None:
        steps.append(percent)
        if progress is not None:
            progress(percent)

    request = SeparationRequest(input_path=input_path, work_dir=work_dir, model=model, **options)
    result = engine.separate(request, progress=record, cancel=cancel or threading.Event())
    return result, steps
