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
    """A render pool of one worker whose renders wait until released."""
    settings.MIX_RENDER_WORKERS = 1
    mixing.render_pool.cache_clear()
    release, threads = threading.Event(), []

    def render(**kwargs):
        threads.append(threading.current_thread().name)
        release.wait(30)
        raise mixing.MixRejected("released")

    monkeypatch.setattr(mixing, "mix_render", render)
    yield release, threads
    release.set()
    mixing.render_pool.cache_clear()


def test_renders_beyond_the_pool_and_its_queue_are_refused_at_once(user, user_client, complete_job, blocked_renders):
    release, threads = blocked_renders
    job = complete_job()
    pool = mixing.render_pool()
    waiting = [pool.submit(stems={}, gains={}) for _ in range(2)]  # one rendering, one waiting: full
    page = user_client.post(f"/jobs/{job.id}/mix", {"vocals": "1"})
    assert page.status_code == 503 and page["Retry-After"] == str(mixing.BUSY_RETRY_SECONDS)
    assert "try again in a few seconds" in page.json()["detail"]
    api = token_client(user).post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json")
    assert api.status_code == 503 and api["Retry-After"]
    release.set()
    for future in waiting:
        with pytest.raises(mixing.MixRejected):
            future.result(10)
    assert set(threads) == {"mix-render_0"}, "renders run in the pool's own thread, not the file-serving ones"
    assert token_client(user).post(f"/api/jobs/{job.id}/mix/", {"vocals": 1}, format="json").status_code == 400
