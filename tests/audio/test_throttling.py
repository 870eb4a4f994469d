"""Throttles on the routes a stranger can make expensive: below, at and above each rate."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.audio.files import write_wav
from tests.conftest import free_port

PASSWORD = "a-Long-passw0rd"


def signup(client: Client, n: int):
    return client.post("/signup/", {"username": f"user{n}", "password1": "Str0ng-enough-pass", "password2": "x"})


def login_page(client: Client, n: int):
    return client.post("/login/", {"username": "alice", "password": "wrong"})


def token(client: Client, n: int):
    return client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, content_type="application/json")


def assert_rate(make_request, client: Client, allowed: int) -> None:
    """``allowed`` requests pass (below and at the rate), the next is refused with Retry-After."""
    for n in range(allowed):
        assert make_request(client, n).status_code != 429, f"request {n + 1} of {allowed} refused"
    refused = make_request(client, allowed)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"].startswith("Too many ")


@pytest.mark.parametrize(
    ("setting", "request_maker", "words"),
    [
        ("RATE_SIGNUP", signup, "sign-ups from your address"),
        ("RATE_LOGIN", login_page, "log-in attempts from your address"),
        ("RATE_LOGIN", token, "log-in attempts from your address"),
    ],
)
def test_anonymous_routes_are_throttled_per_address(client, user, settings, setting, request_maker, words):
    setattr(settings, setting, "3/m")
    assert_rate(request_maker, client, 3)
    assert words in request_maker(client, 9).json()["detail"]
    other_address = Client(REMOTE_ADDR="10.9.8.7")
    assert request_maker(other_address, 0).status_code != 429, "another address has its own count"


def test_the_log_in_page_and_the_token_endpoint_count_together(client, user, settings):
    settings.RATE_LOGIN = "4/m"
    for n in range(2):
        assert login_page(client, n).status_code == 200
        assert token(client, n).status_code == 400
    assert token(client, 5).status_code == 429


def test_guessing_one_users_password_from_many_addresses_is_throttled_too(user, settings):
    settings.RATE_LOGIN_PER_USERNAME = "3/h"
    for n in range(3):
        assert login_page(Client(REMOTE_ADDR=f"10.0.0.{n}"), n).status_code == 200
    answer = login_page(Client(REMOTE_ADDR="10.0.0.99"), 0)
    assert answer.status_code == 429 and "as that user" in answer.json()["detail"]


def test_loading_the_pages_is_not_counted(client, settings, db):
    settings.RATE_LOGIN = settings.RATE_SIGNUP = "1/m"
    for _ in range(5):
        assert client.get("/login/").status_code == 200
        assert client.get("/signup/").status_code == 200


@pytest.fixture
def wav(tmp_path):
    return write_wav(tmp_path / "tone.wav", frames=4410)


def test_uploads_are_throttled_per_user(user_client, other_user, settings, wav):
    settings.RATE_UPLOAD = "2/m"

    def upload(client, n):
        return client.post("/tracks/upload", {"file": SimpleUploadedFile(f"{n}.wav", wav.read_bytes())})

    assert_rate(upload, user_client, 2)
    other = Client()
    other.force_login(other_user)
    assert upload(other, 0).status_code != 429, "each user has their own count"


def test_api_uploads_and_new_jobs_are_throttled_per_user(api, user, make_track, settings, wav):
    settings.RATE_UPLOAD, settings.RATE_JOB_CREATE = "1/m", "2/m"
    assert api.post("/api/tracks/", {"file": wav.open("rb")}, format="multipart").status_code == 201
    assert api.post("/api/tracks/", {"file": wav.open("rb")}, format="multipart").status_code == 429
    track = make_track(user)
    body = {"track": str(track.id), "engine": "local", "model": "htdemucs"}
    for _ in range(2):
        assert api.post("/api/jobs/", {**body, "track": "not-a-track"}, format="json").status_code == 400
    refused = api.post("/api/jobs/", body, format="json")
    assert refused.status_code == 429 and refused.json()["detail"].startswith("Too many new separations; try again")


def test_with_the_cache_down_log_in_still_works(client, user, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
