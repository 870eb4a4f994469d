"""Load on loopback against the app as `make run` starts it: 200 concurrent mixed requests
while two separations run. Nothing answers 5xx, nothing goes unanswered, no job is lost."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.audio.engines.local.random_repo import build_repo
from tests.audio.files import write_wav
from tests.conftest import write_music
from tests.jobs.conftest import wait_for
from tests.launched_app import LaunchedApp

CONCURRENT = 200
PASSWORD = "Load-test-pass-123"


@pytest.fixture(scope="module")
def loaded_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    repo = build_repo(tmp / "repo", {"mdx_extra": "htdemucs"})  # slow enough to run all through the load
    app = LaunchedApp(tmp, extra_env={"DEMUCS_MODEL_DIR": str(repo)})
    app.start()
    yield app, tmp
    app.stop()


def signed_up(app: LaunchedApp) -> requests.Session:
    session = requests.Session()
    session.get(f"{app.url}/signup/")
    session.post(
        f"{app.url}/signup/",
        data={"username": "loader", "password1": PASSWORD, "password2": PASSWORD},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": app.url},
    )
    token = session.post(f"{app.url}/api/auth/token/", json={"username": "loader", "password": PASSWORD}).json()
    session.headers["Authorization"] = f"Token {token['token']}"
    return session


def test_two_hundred_concurrent_requests_while_two_jobs_run(loaded_app):
    app, tmp = loaded_app
    api = signed_up(app)
    tracks = []
    for seed in range(2):
        with write_music(tmp / f"song-{seed}.wav", 20.0, seed=seed).open("rb") as handle:
            tracks.append(api.post(f"{app.url}/api/tracks/", files={"file": handle}).json()["id"])
    jobs = [
        api.post(f"{app.url}/api/jobs/", json={"track": track, "engine": "local", "model": "mdx_extra"}).json()["id"]
        for track in tracks
    ]
    wait_for(lambda: all(api.get(f"{app.url}/api/jobs/{job}/").json()["status"] == "running" for job in jobs), 120)
    small = write_wav(tmp / "small.wav", frames=4410).read_bytes()
    kinds = [
        lambda s: s.get(f"{app.url}/api/jobs/"),
        lambda s: s.get(f"{app.url}/api/tracks/"),
        lambda s: s.get(f"{app.url}/api/jobs/{random.choice(jobs)}/"),
        lambda s: s.get(f"{app.url}/files/tracks/{random.choice(tracks)}/original", headers={"Range": "bytes=0-65535"}),
        lambda s: s.get(f"{app.url}/healthz"),
        lambda s: s.get(f"{app.url}/api/models/"),
        lambda s: s.post(f"{app.url}/api/tracks/", files={"file": ("small.wav", small)}),
        lambda s: requests.post(f"{app.url}/api/auth/token/", json={"username": "loader", "password": "wrong"}),
        lambda s: requests.get(f"{app.url}/login/"),
        lambda s: requests.post(f"{app.url}/login/", data={"username": "x", "password": "y"}),
    ]
    start = threading.Barrier(CONCURRENT)
    local = threading.local()

    def one(number: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(api.headers)
        start.wait(30)
        return kinds[number % len(kinds)](local.session).status_code

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        statuses = list(pool.map(one, range(CONCURRENT)))
    assert len(statuses) == CONCURRENT
    assert not [status for status in statuses if status >= 500], sorted(set(statuses))
    assert {200, 206} <= set(statuses)
    for job in jobs:
        done = wait_for(
            lambda job=job: (lambda j: j if j["status"] not in ("queued", "running") else None)(
                api.get(f"{app.url}/api/jobs/{job}/").json()
            ),
            600,
            message="the jobs to end",
        )
        assert done["status"] == "completed", done["error"]
