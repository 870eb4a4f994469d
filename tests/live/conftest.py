"""The app as `make run` starts it, with live separation's limits low enough to test, and a user."""

from __future__ import annotations

import pytest
import requests

from tests.launched_app import LaunchedApp

PASSWORD = "Live-test-pass-123"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    app = LaunchedApp(
        tmp_path_factory.mktemp("live"),
        extra_env={
            "LIVE_MAX_STREAMS_PER_USER": "2",
            "LIVE_MAX_STREAMS": "3",
            "LIVE_IDLE_SECONDS": "3",
            "LIVE_MAX_STREAM_SECONDS": "20",
        },
    )
    app.start()
    yield app
    app.stop()


def sign_up(app: LaunchedApp, username: str) -> requests.Session:
    """A logged-in session (cookies) whose ``token`` attribute is the user's API token."""
    session = requests.Session()
    session.get(f"{app.url}/signup/")
    session.post(
        f"{app.url}/signup/",
        data={"username": username, "password1": PASSWORD, "password2": PASSWORD},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": app.url},
    )
    answer = session.post(f"{app.url}/api/auth/token/", json={"username": username, "password": PASSWORD})
    session.token = answer.json()["token"]
    return session


def socket_url(app: LaunchedApp) -> str:
    return app.url.replace("http://", "ws://") + "/ws/live/"
