"""Running one job: claim it, drive its engine in a work folder, store or clean up.

The work folder is on this worker's own disk (SCRATCH_DIR): the original is fetched
into it from the storage (read in place when the storage is this machine's folder),
the engine and the finishing step write there, and only the finished stems are
stored, so no other machine ever needs this one's disk.

While the engine works, a watcher thread beats the job's heartbeat and checks,
twice a second, that the job is still wanted (not cancelled, track not deleted);
if not, it sets the engine's cancel event. It does the same when the database
stops answering for a quarter of JOB_STALE_SECONDS: past JOB_STALE_SECONDS
recovery queues the job again, and the second run must not overlap this one.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

from av import FFmpegError
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from audio.engines.base import EngineCancelled, EngineError, SeparationRequest, SeparationResult
from audio.engines.registry import get_engine
from audio.finishing import stems_finish
from audio.storage import StorageFailed, local_copy, scratch_dir
from jobs import services
from jobs.accounts import minutes_forget
from jobs.models import ProcessingJob
from jobs.preview import preview_request
from preferences.services import engine_secret

logger = logging.getLogger(__name__)
WATCH_SECONDS = 0.5


class JobWatcher(threading.Thread):
    """Beats the heartbeat; sets ``cancel`` when the job is unwanted or the database is gone
    for ``give_up_after`` seconds (then ``lost_database`` is true)."""

    def __init__(self, job: ProcessingJob, cancel: threading.Event, *, give_up_after: float):
        super().__init__(name=f"watch-{job.id}", daemon=True)
        self.job, self.cancel, self.done = job, cancel, threading.Event()
        self.give_up_after, self.lost_database = give_up_after, False

    def run(self) -> None:
        last_beat = time.monotonic()
        try:
            while not self.done.wait(WATCH_SECONDS):
                try:
                    if not services.job_heartbeat(job=self.job):
                        self.cancel.set()
                        return
                    last_beat = time.monotonic()
                except DatabaseError:
                    close_old_connections()  # the next beat gets a new connection
                    if time.monotonic() - last_beat >= self.give_up_after:
                        logger.error(
                            "Job %s: no database for %.1f s; stopping its engine", self.job.id, self.give_up_after
                        )
                        self.lost_database = True
                        self.cancel.set()
                        return
                    logger.warning("Job %s: the database did not take its heartbeat", self.job.id, exc_info=True)
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.done.set()
        self.join()


def _request(job: ProcessingJob, work_dir: Path, original: Path) -> SeparationRequest:
    """What the engine is asked; raises EngineAuthError when the owner's saved secret is unreadable."""
    return SeparationRequest(
        input_path=original,
        work_dir=work_dir,
        model=job.model,
        stems=job.stems_mode,
        output_format=job.output_format,
        options=job.options,
        input_seconds=job.track.duration_seconds,
        # The owner's own secret for the engine, if any; without one an engine may use the installation's.
        credentials=engine_secret(user=job.user, engine=job.engine),
    )


def job_execute(*, job_id) -> None:
    """Run the job if it is still runnable; every outcome ends in a final status, or
    (database gone) in a stale heartbeat that recovery acts on."""
    job = services.job_claim(job_id=job_id)
    if job is None:
        return
    cancel = threading.Event()
    watcher = JobWatcher(job, cancel, give_up_after=settings.JOB_STALE_SECONDS / 4)
    work_dir = scratch_dir() / job.work_folder
    work_dir.mkdir(parents=True, exist_ok=True)
    watcher.start()
    try:
        _run(job, work_dir, cancel)
    finally:
        watcher.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
    if watcher.lost_database:
        logger.warning("Job %s stopped without a database; recovery will queue it again", job.id)


def _run(job: ProcessingJob, work_dir: Path, cancel: threading.Event) -> None:
    request = None
    try:
        with local_copy(job.track.file_path, folder=work_dir / "input") as original:
            request, facts = _request(job, work_dir, original), {}
            if job.preview:
                request, facts = preview_request(job=job, request=request, cancel=cancel)
            result = get_engine(job.engine).separate(
                request, progress=lambda percent: _progress(job, percent), cancel=cancel
            )
            _forget_minutes(job, request)  # billed now: before the completed event, whose pages ask again
            result = _finish(job, result, facts)
            if not services.job_complete(job=job, result=result, original=original):
                logger.info("Job %s ended while separating; its result was dropped", job.id)
    except StorageFailed as exc:
        logger.error("Job %s: %s", job.id, exc)
        _fail(job, "The track could not be read from storage; try the separation again.", "storage")
    except EngineCancelled:
        logger.info("Job %s stopped: cancelled, its track deleted, or no database", job.id)
    except EngineError as exc:
        _fail(job, exc.message, exc.code)
    except Exception:
        logger.exception("Job %s crashed", job.id)
        _fail(job, "An unexpected error stopped the separation.", "internal")
    finally:
        _forget_minutes(job, request)


def _forget_minutes(job: ProcessingJob, request: SeparationRequest | None) -> None:
    """A job on an engine billed by the minute changes the minutes left: the cached figure goes."""
    if request is not None and get_engine(job.engine).account is not None:
        minutes_forget(engine_name=job.engine, key=request.credentials)


def _finish(job: ProcessingJob, result: SeparationResult, facts: dict) -> SeparationResult:
    """The stems at the job's sample rate, normalised if asked (audio.finishing), with the facts
    for its report. Levels the engine measured no longer describe files finishing rewrote: the
    waveforms are then drawn from the files."""
    try:
        finished = stems_finish(files=result.stems, rate=job.sample_rate, normalise=job.normalise)
    except (FFmpegError, OSError) as exc:
        raise EngineError("The stems could not be finished at the chosen sample rate.") from exc
    meta = {
        **result.meta,
        **facts,
        "samplerate": job.sample_rate,
        "normalise_gain_db": finished.gain_db if job.normalise else None,
        "warnings": [*result.meta.get("warnings", []), *finished.warnings],
    }
    return replace(result, meta=meta, levels=None if finished.rewritten else result.levels)


def _progress(job: ProcessingJob, percent: int) -> None:
    """A lost progress step is no reason to stop the engine; the watcher judges the database."""
    try:
        services.job_set_progress(job=job, percent=percent)
    except DatabaseError:
        logger.warning("Job %s: progress %s%% not recorded", job.id, percent, exc_info=True)


def _fail(job: ProcessingJob, message: str, code: str) -> None:
    try:
        services.job_fail(job=job, message=message, code=code)
    except DatabaseError:
        logger.exception("Job %s could not be marked failed; recovery will take it", job.id)
