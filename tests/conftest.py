"""Fixtures shared by the whole suite: private upload folders, users, a real Redis."""
from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import socket
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from soundforge.redis_server import PrivateRedis


def run_async(coroutine):
    """Run a coroutine to its end on a fresh event loop in its own thread (the
    browser tests' Playwright keeps a loop running in the main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def uploads_dir(settings, tmp_path) -> Path:
    """Every test stores uploads in its own folder."""
    root = tmp_path / "uploads"
    (root / "incoming").mkdir(parents=True)
    settings.UPLOADS_DIR = root
    settings.FILE_UPLOAD_TEMP_DIR = str(root / "incoming")
    return root


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
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_url
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"][0]["address"] = redis_url
    settings.CHANNEL_LAYERS = layers


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
