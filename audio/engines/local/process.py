"""One runner subprocess: start it, send it lines, read its lines, kill it.

Two daemon threads drain the pipes: stdout lines go to a queue the supervisor
reads with a timeout, stderr lines go to the log.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from audio.engines.base import EngineUnavailable
from audio.engines.local import allocator
from audio.engines.local.protocol import encode

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
RUNNER_MODULE = "audio.engines.local.runner"
END_OF_OUTPUT = None  # queued when the runner's stdout closes
NO_LINE = b""  # returned by next_line when nothing arrived in time


@dataclass(frozen=True)
class RunnerConfig:
    """How to start the runner: torch threads, device, Demucs repo, cache size, and
    which module runs it (tests start a variant that misbehaves on demand)."""

    threads: int = 1
    device: str = "auto"
    model_dir: Path | None = None
    cache_size: int = 2
    python: str = sys.executable
    env: Mapping[str, str] = field(default_factory=dict)
    module: str = RUNNER_MODULE

    def argv(self) -> list[str]:
        argv = [
            self.python,
            "-m",
            self.module,
            "--threads",
            str(self.threads),
            "--device",
            self.device,
            "--cache-size",
            str(self.cache_size),
        ]
        if self.model_dir is not None:
            argv += ["--model-dir", str(self.model_dir)]
        return argv

    def environment(self) -> dict[str, str]:
        env = {**allocator.ENVIRONMENT, **os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(self.threads)
        return env


class RunnerProcess:
    """A started runner. Raises EngineUnavailable if it cannot be started."""

    def __init__(self, config: RunnerConfig):
        try:
            self.popen = subprocess.Popen(
                config.argv(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=config.environment(),
            )
        except OSError as exc:
            raise EngineUnavailable(f"The separation process could not start: {exc}") from exc
        self.pid = self.popen.pid
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._log_stderr, daemon=True).start()
        logger.info("started separation runner pid %d: %s", self.pid, " ".join(config.argv()))

    def _read_stdout(self) -> None:
        for line in self.popen.stdout:
            self.lines.put(line)
        self.lines.put(END_OF_OUTPUT)

    def _log_stderr(self) -> None:
        for line in self.popen.stderr:
            logger.info("runner %d: %s", self.pid, line.decode("utf-8", "replace").rstrip())

    def send(self, message: dict) -> None:
        """Write one protocol line; a closed pipe means the runner died."""
        try:
            self.popen.stdin.write(encode(message))
            self.popen.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise EngineUnavailable("The separation process crashed.") from exc

    def next_line(self, timeout: float) -> bytes | None:
        """The next stdout line, NO_LINE if none came in ``timeout`` s, None at EOF."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return NO_LINE

    def alive(self) -> bool:
        return self.popen.poll() is None

    def exit_code(self, wait: float = 2.0) -> int | None:
        try:
            return self.popen.wait(wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.alive():
            logger.warning("killing separation runner pid %d", self.pid)
            self.popen.kill()
        self.popen.wait()
        self._close_stdin()

    def stop(self, wait: float = 5.0) -> None:
        """Ask the runner to exit (end of its input); kill it if it lingers."""
        self._close_stdin()
        if self.exit_code(wait) is None:
            self.kill()

    def _close_stdin(self) -> None:
        try:
            self.popen.stdin.close()
        except OSError as exc:
            logger.debug("runner %d stdin already closed: %s", self.pid, exc)
