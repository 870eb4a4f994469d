"""The port to the runner: one job at a time, with timeouts, cancel and restarts.

Timeout rule: a job fails with EngineTimeout when, after the runner's first
event for it (sent as soon as it reads the request), no event comes for
``max(timeout, 2 % of the job's expected time)`` (a stall, see stall_timeout; a
working runner repeats its percent at least every 30 s), or when the whole job, runner start included,
exceeds ``max(timeout, input seconds x model cost x SAFETY_FACTOR)`` (see
job_deadline), so a long track that keeps making progress is not cut off at
``timeout`` and a slow runner start on a busy machine is not taken for a stall.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from audio.engines.base import (
    EngineCancelled,
    EngineError,
    EngineProtocolError,
    EngineRejectedInput,
    EngineTimeout,
    EngineUnavailable,
    ProgressCallback,
)
from audio.engines.local import protocol
from audio.engines.local.catalog import MODEL_COST, output_stems
from audio.engines.local.process import END_OF_OUTPUT, NO_LINE, RunnerConfig, RunnerProcess

logger = logging.getLogger(__name__)

SAFETY_FACTOR = 3.0
STALL_PERCENTS = 2.0
# Then the runner is killed: cancel always lands within 2 s. The runner checks for a
# cancel between layers; the longest step without one, the inverse STFT closing a
# 40 s HDemucs segment (mdx_extra), takes about a second on a 2-core machine.
CANCEL_GRACE_SECONDS = 1.5
POLL_SECONDS = 0.05
ERRORS_BY_CODE = {
    cls.code: cls
    for cls in (EngineRejectedInput, EngineUnavailable, EngineTimeout, EngineProtocolError, EngineCancelled)
}


def job_deadline(timeout: float, input_seconds: float | None, model: str) -> float:
    """Seconds a whole job may take: at least ``timeout``, more for long inputs."""
    expected = (input_seconds or 0.0) * MODEL_COST[model] * SAFETY_FACTOR
    return max(timeout, expected)


def stall_timeout(timeout: float, input_seconds: float | None, model: str) -> float:
    """Seconds a job may go without any event: at least ``timeout``, and at least
    STALL_PERCENTS of the job's expected time on one thread (one percent of a
    three-hour htdemucs job is about 4 minutes there)."""
    return max(timeout, (input_seconds or 0.0) * MODEL_COST[model] * STALL_PERCENTS / 100)


@dataclass(frozen=True)
class RunnerOutcome:
    stems: dict[str, Path]
    meta: dict
    levels: dict | None = None


class ProgressSteps:
    """Passes 0, 10, ..., 100 to a callback, each once and in order; 100 only on finish."""

    def __init__(self, callback: ProgressCallback):
        self.callback = callback
        self.next = 0

    def advance(self, percent: int) -> None:
        self._emit_up_to(min(percent, 99))

    def finish(self) -> None:
        self._emit_up_to(100)

    def _emit_up_to(self, percent: int) -> None:
        while self.next <= percent:
            self.callback(self.next)
            self.next += 10


class RunnerSupervisor:
    """Owns one runner process per OS process and runs jobs on it one at a time."""

    def __init__(self, config: RunnerConfig, *, timeout: float = 300.0):
        self.config = config
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: RunnerProcess | None = None
        self._owner_pid = os.getpid()

    @property
    def pid(self) -> int | None:
        """The runner's pid while one is running."""
        process = self._process
        return process.pid if process is not None and process.alive() else None

    def run(
        self,
        request: protocol.SeparateRequest,
        *,
        progress: ProgressCallback,
        cancel: threading.Event,
        input_seconds: float | None = None,
    ) -> RunnerOutcome:
        """Run one separation; on any failure the files it created are removed.

        Raises EngineRejectedInput (bad request), EngineUnavailable (no weights,
        runner crashed), EngineProtocolError (garbage output), EngineTimeout,
        EngineCancelled.
        """
        request.validate()
        output_dir = Path(request.output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            before = set(output_dir.iterdir())
            steps = ProgressSteps(progress)
            try:
                steps.advance(0)
                limits = (
                    stall_timeout(self.timeout, input_seconds, request.model),
                    job_deadline(self.timeout, input_seconds, request.model),
                )
                event = self._exchange(request, steps, cancel, limits)
                outcome = RunnerOutcome(_checked_stems(event, request), event.meta or {}, event.levels)
                steps.finish()
            except BaseException:
                _remove_new_entries(output_dir, before)
                raise
        return outcome

    def stop(self) -> None:
        """Let the runner exit (it is started again by the next job)."""
        with self._lock:
            if self._process is not None and self._owner_pid == os.getpid():
                self._process.stop()
            self._process = None

    def _ensure_process(self) -> RunnerProcess:
        if self._owner_pid != os.getpid():  # forked: the runner belongs to the parent
            self._process, self._owner_pid = None, os.getpid()
        if self._process is None or not self._process.alive():
            if self._process is not None:
                logger.warning(
                    "runner %d died (exit code %s); restarting", self._process.pid, self._process.exit_code()
                )
            self._process = RunnerProcess(self.config)
        return self._process

    def _exchange(
        self,
        request: protocol.SeparateRequest,
        steps: ProgressSteps,
        cancel: threading.Event,
        limits: tuple[float, float],
    ) -> protocol.Event:
        process = self._ensure_process()
        settled = False
        try:
            process.send(protocol.separate_message(request))
            event = self._await_terminal(process, request, steps, cancel, limits)
            settled = True
        finally:
            if not settled:  # mid-job failure: the runner's state is unknown
                process.kill()
        if event.type == protocol.ERROR:
            raise ERRORS_BY_CODE.get(event.code, EngineError)(event.message)
        if cancel.is_set():
            raise EngineCancelled("The separation was cancelled.")
        return event

    def _await_terminal(
        self,
        process: RunnerProcess,
        request: protocol.SeparateRequest,
        steps: ProgressSteps,
        cancel: threading.Event,
        limits: tuple[float, float],
    ) -> protocol.Event:
        """Read events until the job's result or error; enforce the (stall, deadline) timeouts and cancel."""
        stall, deadline = limits
        started = time.monotonic()
        last_event: float | None = None
        cancel_sent_at: float | None = None
        while True:
            line = process.next_line(POLL_SECONDS)
            now = time.monotonic()
            if line is END_OF_OUTPUT:
                code = process.exit_code()
                if cancel_sent_at is not None:
                    raise EngineCancelled("The separation was cancelled.")
                raise EngineUnavailable(f"The separation process crashed (exit code {code}).")
            if line != NO_LINE:
                event = _parse(line, request.id)
                last_event = now
                if event.type != protocol.PROGRESS:
                    return event
                if cancel_sent_at is None:
                    steps.advance(event.percent)
            if cancel.is_set():
                if cancel_sent_at is None:
                    process.send(protocol.cancel_message(request.id))
                    cancel_sent_at = now
                elif now - cancel_sent_at > CANCEL_GRACE_SECONDS:
                    raise EngineCancelled("The separation was cancelled.")
            elif last_event is not None and now - last_event > stall:
                raise EngineTimeout(f"The separation made no progress for {stall:.0f} s and was stopped.")
            elif now - started > deadline:
                raise EngineTimeout(f"The separation took longer than {deadline:.0f} s and was stopped.")


def _parse(line: bytes, request_id: str) -> protocol.Event:
    try:
        event = protocol.parse_event(line)
    except protocol.ProtocolViolation as exc:
        logger.error("runner sent a non-protocol line %r: %s", line[:200], exc)
        raise EngineProtocolError(f"The separation process sent an invalid message ({exc}).") from exc
    if event.id != request_id:
        raise EngineProtocolError(f"The separation process answered request {event.id!r} instead of {request_id!r}.")
    return event


def _checked_stems(event: protocol.Event, request: protocol.SeparateRequest) -> dict[str, Path]:
    """The result's stems, each an existing file in the output folder, as requested."""
    stems = {name: Path(path) for name, path in (event.stems or {}).items()}
    expected = set(output_stems(request.model, request.stems))
    if set(stems) != expected:
        raise EngineProtocolError(f"The separation returned stems {sorted(stems)} instead of {sorted(expected)}.")
    folder = Path(request.output_dir).resolve()
    for name, path in stems.items():
        if not path.is_file() or path.resolve().parent != folder:
            raise EngineProtocolError(f"The separation reported {name} at {path}, which is not a file it wrote.")
    return stems


def _remove_new_entries(folder: Path, before: set[Path]) -> None:
    for entry in set(folder.iterdir()) - before:
        logger.info("removing partial output %s", entry)
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
