"""Fixtures for the lalal.ai engine: a fake lalal.ai server on loopback and engines pointed at it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from audio.engines.base import SeparationRequest
from audio.engines.lalalai import LalalaiEngine, RateLimit, RetryPolicy, Timeouts
from tests.fakes.lalalai_audio import write_tone
from tests.fakes.lalalai_server import FakeLalalai


@pytest.fixture
def fake_lalalai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeLalalai]:
    fake = FakeLalalai(tmp_path_factory.mktemp("fake_lalalai"))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def license_key(fake_lalalai: FakeLalalai) -> str:
    key = f"test-licence-{uuid.uuid4().hex}"
    fake_lalalai.add_key(key)
    return key


@pytest.fixture
def make_engine(fake_lalalai: FakeLalalai, redis_url: str) -> Callable[..., LalalaiEngine]:
    """An engine pointed at the fake, with fast backoff and a private limiter."""

    def make(**overrides: object) -> LalalaiEngine:
        settings: dict = {
            "base_url": fake_lalalai.base_url,
            "redis_url": redis_url,
            "timeouts": Timeouts(connect=2.0, read=2.0),
            "retry": RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
            "check_rate": RateLimit(limit=20, window=60.0, margin=0.5),
            "poll_interval": 0.02,
            "task_timeout": 30.0,
            "redis_prefix": f"test:{uuid.uuid4().hex}",
        }
        settings.update(overrides)
        return LalalaiEngine(**settings)

    return make


@pytest.fixture
def song(tmp_path: Path) -> Path:
    path = tmp_path / "song.wav"
    write_tone(path, "wav", seconds=2.0)
    return path


@pytest.fixture
def make_request(tmp_path: Path, song: Path, license_key: str) -> Callable[..., SeparationRequest]:
    def make(**fields: object) -> SeparationRequest:
        work_dir = tmp_path / "work"
        work_dir.mkdir(exist_ok=True)
        values: dict = {"input_path": song, "work_dir": work_dir, "model": "auto", "credentials": license_key}
        values.update(fields)
        return SeparationRequest(**values)

    return make
