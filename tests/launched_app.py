"""Start SoundForge the way `make run` does, in a subprocess, for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(tmp: Path) -> tuple[str, callable]:
    """A fresh database of the same kind the suite runs on, and how to drop it."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'app.sqlite3'}", lambda: None
    import psycopg

    name = f"soundforge_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@dataclass
class LaunchedApp:
    tmp: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def uploads_dir(self) -> Path:
        return self.tmp / "uploads"

    def start(self, timeout: float = 90) -> None:
        self.database_url, self._drop_database = database_url_for(self.tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(
            PORT=str(self.port),
            PRIVATE_REDIS_PORT=str(self.redis_port),
            PRIVATE_REDIS_DIR=str(self.tmp / "redis"),
            UPLOADS_DIR=str(self.uploads_dir),
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
            # Every browser test signs up from 127.0.0.1; the throttles have tests of their own.
            RATE_SIGNUP="1000/m",
            RATE_LOGIN="1000/m",
            RATE_UPLOAD="1000/m",
            RATE_JOB_CREATE="1000/m",
            **self.extra_env,
        )
        self.log_path = self.tmp / "app.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "soundforge.launcher"],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SoundForge exited early:\n{self.log()}")
            if "SoundForge is running at" in self.log() and self.health().get("ok"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"SoundForge did not become healthy in {timeout}s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def web_pid(self) -> int:
        """The web server's process (python -m soundforge.web)."""
        for pid in descendants(self.process.pid):
            if b"soundforge.web" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        raise RuntimeError("the web server is not running")

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            return json.load(exc)
        except OSError:
            return {}

    def stop(self, timeout: float = 40) -> int:
        """Ctrl-C, as a user would; returns the launcher's exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout)
        self._log.close()
        self._drop_database()
        return self.process.returncode
