"""The mix download for scripts (POST /api/jobs/<id>/mix/), and the render pool's bound."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
import soundfile
from rest_framework.test import APIClient

from studio import mixing
from tests.conftest import token_client
from tests.studio.conftest import read_wav


def test_a_script_mixes_with_its_token_and_no_csrf(user, complete_job, stored):
    job = complete_job()
    vocals = soundfile.read(io.BytesIO(stored.read(job.stems.get(stem_type="vocals").file_path)))[0]
    api = token_client(user)
    api.handler.enforce_csrf_checks = True
    response = api.post(f"/api/jobs/{job.id}/mix/", {"instrumental": 0}, format="json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "audio/wav" and response["X-Mix-Gain-Reduction-dB"] == "0.00"
    assert np.abs(read_wav(response) - vocals).max() <= 0.5 / 32768 + 1e-6


def test_a_browser_session_still_needs_its_csrf_token(user, complete_job):
    job = complete_job()
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    assert session.post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [({"drums": 1}, 400, "Unknown stem 'drums'"), ([1], 400, "Send the gains as a JSON object")],
)
def test_bad_gains_are_refused_in_words(user, complete_job, body, status, words):
    answer = token_client(user).post(f"/api/jobs/{complete_job().id}/mix/", body, format="json")
    assert answer.status_code == status and words in answer.json()["detail"]


def test_another_users_job_is_not_found(other_user, complete_job):
    assert token_client(other_user).post(f"/api/jobs/{complete_job().id}/mix/", {}, format="json").status_code == 404


@pytest.fixture
def blocked_renders(settings, monkeypatch):
    """A render pool of one worker (two mixes under way) whose first passes wait until released."""
    settings.MIX_RENDER_WORKERS = 1
    mixing.render_pool.cache_clear()
    release, threads = threading.Event(), []

    def plan(**kwargs):
        threads.append(threading.current_thread().name)
        release.wait(30)
        raise mixing.MixRejected("released")

    monkeypatch.setattr(mixing, "mix_plan", plan)
    yield release, threads
    release.set()
    mixing.render_pool.cache_clear()


def test_mixes_beyond_the_pool_are_refused_at_once(user, user_client, complete_job, blocked_renders):
    release, threads = blocked_renders
    job = complete_job()
    pool = mixing.render_pool()
    waiting = [pool.submit(user_id=name, stems={}, gains={}) for name in ("bob", "carol")]  # two under way: full
    answer = user_client.post(f"/jobs/{job.id}/mix", {"vocals": "1"})
    assert answer.status_code == 503 and answer["Retry-After"] == str(mixing.BUSY_RETRY_SECONDS)
    assert "try again in a few seconds" in answer.json()["detail"]
    api = token_client(user).post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json")
    assert api.status_code == 503 and api["Retry-After"]
    release.set()
    for rendering in waiting:
        with pytest.raises(mixing.MixRejected):
            rendering.future.result(10)
    assert set(threads) == {"mix-render_0"}, "first passes run in the pool's own thread, not the file-serving ones"
    assert token_client(user).post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json").status_code == 400


def test_one_mix_per_user_at_a_time_and_its_slot_is_freed_when_its_download_ends(user, complete_job):
    job = complete_job()
    api = token_client(user)
    first = api.post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json")
    assert first.status_code == 200  # its body is made as it is read: the mix is still under way
    second = api.post(f"/api/jobs/{job.id}/mix/", {"vocals": 0.5}, format="json")
    assert second.status_code == 429 and second["Retry-After"] == str(mixing.BUSY_RETRY_SECONDS)
    assert "Your previous mix is still being prepared or downloaded" in second.json()["detail"]
    b"".join(first)  # downloaded to the end (the test client then closes the response)
    assert api.post(f"/api/jobs/{job.id}/mix/", {"vocals": 0.5}, format="json").status_code == 200
