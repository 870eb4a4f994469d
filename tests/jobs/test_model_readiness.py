"""Models say whether they can run here; the default is one that can; a job on a model
that cannot run is refused in words, and a model that fails to load says so in words."""

from __future__ import annotations

import pytest

from audio.engines import registry
from audio.engines.local.availability import model_states
from jobs.models import ProcessingJob
from preferences.services import preferences_update


def demucs_dir(path, *, bags: dict[str, list[str]], files: list[str]):
    """A DEMUCS_MODEL_DIR holding ``<name>.yaml`` bags and ``<signature>-<hash>.th`` files."""
    path.mkdir(exist_ok=True)
    for name, signatures in bags.items():
        (path / f"{name}.yaml").write_text(f"models: {signatures!r}\n")
    for signature in files:
        (path / f"{signature}-0123abcd.th").write_bytes(b"weights")
    return path


def test_states_follow_the_files_in_the_model_folder(tmp_path):
    folder = demucs_dir(
        tmp_path / "repo", bags={"htdemucs": ["aaa"], "htdemucs_ft": ["b1", "b2"]}, files=["aaa", "b1", "mdx_extra"]
    )
    states = model_states(model_dir=folder)
    assert states["htdemucs"].ready and states["mdx_extra"].ready and states["spleeter_2stems"].ready
    assert states["htdemucs_ft"].state == "missing", "one member of the bag is not there"
    assert states["htdemucs_6s"].state == "missing" and states["htdemucs_6s"].note == "not installed on this server"
    assert not states["htdemucs_6s"].usable


def test_without_a_model_folder_uncached_demucs_models_download_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    states = model_states(model_dir=None)
    assert states["htdemucs"].state == "downloads" and states["htdemucs"].usable
    assert "internet" in states["htdemucs"].note
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "955717e8-8726e21a.th").write_bytes(b"weights")  # htdemucs' one file in Demucs' list
    assert model_states(model_dir=None)["htdemucs"].ready


def test_spleeter_from_a_folder_needs_both_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SPLEETER_MODEL_DIR", str(tmp_path))
    assert model_states(model_dir=None)["spleeter_2stems"].state == "missing"
    for name in ("vocals", "accompaniment"):
        (tmp_path / f"spleeter_2stems_{name}.safetensors").write_bytes(b"x")
    assert model_states(model_dir=None)["spleeter_2stems"].ready


@pytest.fixture
def only_htdemucs(settings, monkeypatch, tmp_path):
    """An installation whose model folder holds htdemucs alone."""
    settings.DEMUCS_MODEL_DIR = str(demucs_dir(tmp_path / "repo", bags={"htdemucs": ["aaa"]}, files=["aaa"]))
    monkeypatch.setattr(registry, "_instances", {})


@pytest.fixture
def no_demucs(settings, monkeypatch, tmp_path):
    settings.DEMUCS_MODEL_DIR = str(demucs_dir(tmp_path / "empty", bags={}, files=[]))
    monkeypatch.setattr(registry, "_instances", {})


def local_models(api) -> dict:
    engines = {engine["name"]: engine for engine in api.get("/api/models/").json()["engines"]}
    return {model["name"]: model for model in engines["local"]["models"]}


def test_the_models_api_says_which_models_are_ready_and_the_default(api, only_htdemucs):
    models = local_models(api)
    assert models["htdemucs"]["state"] == "ready" and models["htdemucs"]["default"] is True
    assert models["htdemucs_6s"] == {
        "name": "htdemucs_6s",
        "stems": ["drums", "bass", "other", "vocals", "guitar", "piano"],
        "state": "missing",
        "note": "not installed on this server",
        "default": False,
    }


def test_without_demucs_weights_the_default_is_a_model_that_runs(api, user, user_client, no_demucs, make_track):
    models = local_models(api)
    assert [name for name, model in models.items() if model["default"]] == ["spleeter_2stems"]
    assert api.get("/api/settings/").json()["local_model"] == "htdemucs", "the saved choice is kept"

    track = make_track(user)
    answer = api.post("/api/jobs/", {"track": str(track.id), "engine": "local"}, format="json")
    assert answer.status_code == 201 and answer.json()["model"] == "spleeter_2stems"

    page = user_client.get("/").content.decode()
    assert '<option value="spleeter_2stems" selected>spleeter_2stems</option>' in page
    assert '<option value="htdemucs">htdemucs (not available)</option>' in page


def test_a_job_on_a_model_that_cannot_run_is_refused_in_words(api, user, no_demucs, make_track):
    track = make_track(user)
    answer = api.post("/api/jobs/", {"track": str(track.id), "engine": "local", "model": "htdemucs"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"]["model"] == (
        "htdemucs cannot run: not installed on this server; ready here: spleeter_2stems."
    )
    assert "DEMUCS_MODEL_DIR" not in answer.content.decode()
    assert not ProcessingJob.objects.exists()


def test_lalalai_models_need_a_key(api, user, fake_lalalai, license_key):
    engines = {engine["name"]: engine for engine in api.get("/api/models/").json()["engines"]}
    states = {model["state"] for model in engines["lalalai"]["models"]}
    notes = {model["note"] for model in engines["lalalai"]["models"]}
    assert states == {"missing"} and notes == {"needs a lalal.ai licence key: enter yours on the Settings page"}
    preferences_update(user=user, values={"lalalai_key": license_key})
    engines = {engine["name"]: engine for engine in api.get("/api/models/").json()["engines"]}
    assert {model["state"] for model in engines["lalalai"]["models"]} == {"ready"}


def test_the_settings_page_says_which_local_models_are_not_ready(user_client, no_demucs):
    html = user_client.get("/settings/").content.decode()
    assert '<option value="htdemucs" selected>htdemucs (not installed on this server)</option>' in html
    assert '<option value="spleeter_2stems">spleeter_2stems</option>' in html
