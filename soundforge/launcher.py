"""`make run`: start everything SoundForge needs, stop all of it on Ctrl-C.

Order: a private Redis when REDIS_URL is unset, migrations, a Celery worker, one for the
tempo and key analysis queue, and the ASGI server (HTTP and websockets). Each child runs in its own session so a
stop can reach its whole process tree; nothing we did not start is touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from soundforge.redis_server import PrivateRedis, PrivateRedisError

logger = logging.getLogger("soundforge.launcher")
BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 15


def _spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    logger.info("Starting %s", " ".join(argv[:4]))
    return subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """Ask politely, then kill the child's whole process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("pid %s did not stop in %ss; killing it", process.pid, STOP_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # leftovers of its tree, if any
    process.wait()


def _wait_until_healthy(url: str, children: list[subprocess.Popen], stop: threading.Event) -> bool:
    while not stop.is_set():
        if any(child.poll() is not None for child in children):
            return False
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return True  # /healthz answers 200 once the database, Redis and a worker do
        except OSError:  # not listening yet, or 503 while the worker starts
            time.sleep(0.2)
    return False


def _child_env() -> tuple[dict[str, str], PrivateRedis | None]:
    env = dict(os.environ)
    if "DEBUG" not in env:
        # A local run: Django's debug pages and its development-only SECRET_KEY.
        logger.warning("DEBUG is on for this local run; set DEBUG=0 and SECRET_KEY to serve others")
        env["DEBUG"] = "1"
    if env.get("REDIS_URL"):
        return env, None
    redis = PrivateRedis(
        port=int(env.get("PRIVATE_REDIS_PORT", "6380")),
        data_dir=Path(env.get("PRIVATE_REDIS_DIR", BASE_DIR / "var" / "redis")),
    )
    redis.start()
    env["REDIS_URL"] = redis.url
    return env, redis


def run(stop: threading.Event) -> int:
    """Run until ``stop`` is set or a child dies; return the exit status."""
    try:
        env, redis = _child_env()
    except PrivateRedisError as exc:
        logger.error("%s", exc)
        return 1
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    python = sys.executable
    children: list[subprocess.Popen] = []
    try:
        subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env, check=True)
        if env["DEBUG"].lower() in ("0", "false", "no", "off", ""):  # served from STATIC_ROOT then
            subprocess.run(
                [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
            )
        children.append(
            _spawn(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "soundforge",
                    "worker",
                    "--concurrency",
                    env.get("CELERY_CONCURRENCY", "2"),
                    "-Q",
                    "separation,cloud,tasks",  # every queue but analysis (settings.JOB_QUEUES)
                    "--loglevel",
                    "INFO",
                    "-n",
                    f"soundforge-{os.getpid()}@%h",
                ],
                env,
            )
        )
        children.append(
            _spawn(
                [
                    *(python, "-m", "celery", "-A", "soundforge", "worker", "-Q", "analysis", "--concurrency", "1"),
                    *("--loglevel", "INFO", "-n", f"soundforge-analysis-{os.getpid()}@%h"),
                ],
                env,
            )
        )
        children.append(_spawn([python, "-m", "soundforge.web"], {**env, "HOST": host, "PORT": port}))
        if _wait_until_healthy(f"http://{host}:{port}/healthz", children, stop):
            print(f"SoundForge is running at http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
        while not stop.is_set():
            if any(child.poll() is not None for child in children):
                logger.error("A SoundForge process exited; stopping the others")
                return 1
            stop.wait(0.5)
        return 0
    except subprocess.CalledProcessError as exc:
        logger.error("%s failed with status %s", exc.cmd, exc.returncode)
        return 1
    finally:
        for child in reversed(children):
            _stop(child)
        if redis is not None:
            redis.stop()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sys.exit(run(stop))


if __name__ == "__main__":
    main()
