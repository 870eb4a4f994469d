"""`make run`'s start-up code: a private Redis when REDIS_URL is unset, a worker, the
ASGI server; Ctrl-C stops every process it started and nothing else."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from soundforge.redis_server import PrivateRedis, PrivateRedisError, port_is_open
from tests.launched_app import BASE_DIR, LaunchedApp, descendants


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_private_redis_is_started_used_and_stopped(tmp_path):
    app = LaunchedApp(tmp_path)
    assert not port_is_open(app.redis_port)
    app.start()
    try:
        assert app.health() == {"database": True, "redis": True, "worker": True, "ok": True}
        private = redis.Redis(port=app.redis_port)
        assert private.exists("_kombu.binding.separation"), "the separation queue is not in the private Redis"
        tree = descendants(app.process.pid)
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in tree}
        web = [pid for pid, cmd in commands.items() if "soundforge.web" in cmd]
        worker = [pid for pid, cmd in commands.items() if "celery" in cmd and "worker" in cmd]
        assert web and worker, commands
        for pid in (web[0], worker[0]):  # settings derive Celery and the channel layer from it
            assert environ_of(pid)["REDIS_URL"] == f"redis://127.0.0.1:{app.redis_port}/0"
        assert (tmp_path / "redis" / "redis.log").is_file(), "Redis keeps its data in its own folder"
    finally:
        status = app.stop()
    assert status == 0
    assert not port_is_open(app.redis_port)
    assert not [pid for pid in tree if alive(pid)], "processes left behind after Ctrl-C"


def test_a_taken_port_is_left_alone(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = PrivateRedis(port=port, data_dir=tmp_path)
        with pytest.raises(PrivateRedisError, match="already in use"):
            server.start()
        assert server.process is None
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(PRIVATE_REDIS_PORT=str(port), PRIVATE_REDIS_DIR=str(tmp_path))
        result = subprocess.run(
            [sys.executable, "-m", "soundforge.launcher"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert f"Port {port} is already in use" in result.stderr
        squatter.getsockname()  # still ours


def test_an_existing_redis_url_is_used_as_is(tmp_path, redis_url):
    app = LaunchedApp(tmp_path, extra_env={"REDIS_URL": redis_url})
    app.start()
    try:
        assert not port_is_open(app.redis_port), "a private Redis was started although REDIS_URL was set"
    finally:
        assert app.stop() == 0
    assert redis.Redis.from_url(redis_url).ping(), "the launcher stopped a Redis it did not start"
