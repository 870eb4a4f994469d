"""Fixtures shared by the whole suite: private upload folders, users, a real Redis."""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import logging
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import token_get_or_issue
from audio import services as audio_services
from audio.engines import registry
from soundforge.redis_server import PrivateRedis
from tests.audio.files import temporary_upload
from tests.fakes.lalalai_server import FakeLalalai
from tests.launched_app import free_port
from tests.stored import S3, StoredFiles, drop_bucket, new_bucket, s3_storage_settings


def run_async(coroutine):
    """Run a coroutine to its end on a fresh event loop in its own thread (the
    browser tests' Playwright keeps a loop running in the main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def moto_endpoint() -> str:
    """A moto S3 server on loopback for the session: a real HTTP endpoint (its URL)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(request) -> str | None:
    """With STORAGE=s3 the moto server's URL, else None."""
    return request.getfixturevalue("moto_endpoint") if S3 else None


def use_new_bucket(settings, endpoint: str) -> str:
    """Store in a new bucket on ``endpoint`` from now on; returns its name."""
    bucket = new_bucket(endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(endpoint, bucket)}
    return bucket


@pytest.fixture(autouse=True)
def uploads_dir(settings, tmp_path, s3_endpoint) -> Path:
    """Every test stores uploads in its own folder (with STORAGE=s3, in its own bucket; the
    folder then holds only the upload's temporary files), and works in its own SCRATCH_DIR."""
    root = tmp_path / "uploads"
    (root / "incoming").mkdir(parents=True)
    settings.UPLOADS_DIR = root
    settings.FILE_UPLOAD_TEMP_DIR = str(root / "incoming")
    settings.SCRATCH_DIR = tmp_path / "scratch"
    bucket = None
    if s3_endpoint:
        bucket = use_new_bucket(settings, s3_endpoint)
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(root), "allow_overwrite": True}},
        }
    yield root
    if bucket:
        drop_bucket(s3_endpoint, bucket)


@pytest.fixture
def stored() -> StoredFiles:
    """What the storage holds, by stored name (the folder or the bucket alike)."""
    return StoredFiles()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> PrivateRedis:
    """A private redis-server for the test session (append-only file on), stopped at the end."""
    server = PrivateRedis(port=free_port(), data_dir=tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    return redis_server.url


@pytest.fixture(scope="session", autouse=True)
def _celery_publishes_to_test_redis(redis_url):
    """Jobs queued by tests go to the test Redis, never to a developer's."""
    from soundforge.celery import app

    app.conf.broker_url = redis_url


@pytest.fixture(autouse=True)
def _redis_settings(settings, redis_url):
    """Celery, the channel layer and the cache on the test Redis; the cache (throttle
    counters) in a database of its own, emptied for each test."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_url
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"][0]["address"] = redis_url
    settings.CHANNEL_LAYERS = layers
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = redis_url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = caches
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in almost every test; real password hashing is not what is tested."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username: str = "alice", password: str = "a-Long-passw0rd"):
        return get_user_model().objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def token_header(user) -> str:
    """The ``Authorization`` header value of the user's API token."""
    return f"Token {token_get_or_issue(user=user).key}"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_header(user))
    return client


@pytest.fixture
def api(user) -> APIClient:
    """The API as ``user``, with a token."""
    return token_client(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return token_client(other_user)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def write_music(path: Path, seconds: float, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 44100)) / 44100
    tone = sum(np.sin(2 * np.pi * f * t) for f in rng.uniform(110, 660, size=3))
    data = np.stack([0.2 * tone, 0.15 * tone], axis=1) + 0.01 * rng.standard_normal((len(t), 2))
    soundfile.write(str(path), data.astype(np.float32), 44100, subtype="PCM_16")
    return path


@pytest.fixture
def make_track(tmp_path):
    """A real stored track of ``seconds`` of music for ``owner``."""

    def make(owner, seconds: float = 2.0, seed: int = 0):
        path = write_music(tmp_path / f"music-{seed}.wav", seconds, seed)
        track, _ = audio_services.track_create(owner=owner, upload=temporary_upload(path))
        return track

    return make


@pytest.fixture
def fake_lalalai(tmp_path_factory, settings, monkeypatch):
    """A fake lalal.ai on loopback that this process's lalal.ai engine talks to."""
    fake = FakeLalalai(tmp_path_factory.mktemp("fake_lalalai"))
    fake.start()
    settings.LALALAI_BASE_URL = fake.base_url
    settings.SYSTEM_LALALAI_ACTIVATION_KEY = ""
    monkeypatch.setattr(registry, "_instances", {})  # engines built from these settings
    yield fake
    fake.stop()


@pytest.fixture
def license_key(fake_lalalai) -> str:
    key = f"test-licence-{uuid.uuid4().hex}"
    fake_lalalai.add_key(key, minutes=600.0)
    return key
