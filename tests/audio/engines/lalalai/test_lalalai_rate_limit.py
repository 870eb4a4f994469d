import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from audio.engines.base import EngineError, EngineUnavailable
from audio.engines.lalalai import RateLimit, RetryPolicy
from audio.engines.lalalai.client import LalalaiClient
from audio.engines.lalalai.ratelimit import SharedRateLimiter

REPO_ROOT = Path(__file__).resolve().parents[4]
JOBS_PROCESS = Path(__file__).with_name("lalalai_jobs_process.py")
LIMIT, WINDOW, MARGIN = 5, 2.0, 0.5


def _limiter(url: str, name: str, rate: RateLimit) -> SharedRateLimiter:
    return SharedRateLimiter(redis.Redis.from_url(url), name=name, rate=rate)


def test_limiter_shares_its_window_between_instances(redis_url):
    name = f"test:{uuid.uuid4().hex}:check:abc"
    rate = RateLimit(limit=3, window=0.5, margin=0.0)
    first, second = _limiter(redis_url, name, rate), _limiter(redis_url, name, rate)
    started = time.monotonic()
    for limiter in (first, second, first):
        assert limiter.acquire()
    assert time.monotonic() - started < 0.2
    assert second.acquire()  # the fourth must wait for the window to move
    assert time.monotonic() - started >= 0.45


def test_limiter_stops_waiting_when_told(redis_url):
    limiter = _limiter(redis_url, f"test:{uuid.uuid4().hex}", RateLimit(limit=1, window=30.0, margin=0.0))
    assert limiter.acquire()
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    assert limiter.acquire(stop) is False


def test_limiter_without_redis_is_a_clear_error():
    unreachable = redis.Redis(port=9, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    limiter = SharedRateLimiter(unreachable, name="x", rate=RateLimit())
    with pytest.raises(EngineUnavailable, match="Redis"):
        limiter.acquire()


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t - start < window) for i, start in enumerate(times)), default=0)


def _other_process(fake, redis_url, prefix, key, song, work_root) -> subprocess.Popen:
    settings = {
        "base_url": fake.base_url,
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "rate": [LIMIT, WINDOW, MARGIN],
        "jobs": 2,
        "work_root": str(work_root),
        "input": str(song),
        "license_key": key,
    }
    return subprocess.Popen(
        [sys.executable, str(JOBS_PROCESS), json.dumps(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def test_jobs_in_threads_and_processes_stay_under_the_check_limit(
    make_engine, make_request, fake_lalalai, redis_url, license_key, song, tmp_path
):
    fake_lalalai.set_check_limit(LIMIT, WINDOW)
    fake_lalalai.state.checks_to_finish = 4
    prefix = f"test:{uuid.uuid4().hex}"
    other = _other_process(fake_lalalai, redis_url, prefix, license_key, song, tmp_path / "other")
    engine = make_engine(check_rate=RateLimit(LIMIT, WINDOW, MARGIN), redis_prefix=prefix)
    errors: list[EngineError] = []

    def job(number: int) -> None:
        request = make_request(stems="two", work_dir=tmp_path / f"job{number}")
        request.work_dir.mkdir()
        try:
            engine.separate(request, progress=lambda _p: None, cancel=threading.Event())
        except EngineError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    out, err = other.communicate(timeout=60)
    assert errors == []
    assert json.loads(out) == [{"stems": ["instrumental", "vocals"]}] * 2, err
    times = fake_lalalai.check_times(license_key)
    assert len(times) > LIMIT  # the limit really was in play
    assert fake_lalalai.rate_limited(license_key) == 0
    assert _max_in_window(times, WINDOW) <= LIMIT
    # One poller per key and process: checks carry several task ids at once.
    assert max(len(c.body["task_ids"]) for c in fake_lalalai.calls("check")) >= 2


def test_fake_refuses_checks_over_its_limit(fake_lalalai, license_key):
    fake_lalalai.set_check_limit(2, 30.0)
    client = LalalaiClient(license_key=license_key, base_url=fake_lalalai.base_url, retry=RetryPolicy(attempts=1))
    client.check([])
    client.check([])
    with pytest.raises(EngineUnavailable, match="limiting the rate of check requests"):
        client.check([])
    client.close()
    assert fake_lalalai.rate_limited(license_key) == 1
