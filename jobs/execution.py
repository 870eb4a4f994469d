"""Running one job: claim it, drive its engine in a work folder, store or clean up.

While the engine works, a watcher thread beats the job's heartbeat and checks,
twice a second, that the job is still wanted (not cancelled, track not deleted);
if not, it sets the engine's cancel event.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import replace

from django.db import close_old_connections

from audio.engines.base import EngineCancelled, EngineError, SeparationRequest
from audio.engines.registry import get_engine
from audio.storage import uploads_path
from jobs import services
from jobs.models import ProcessingJob
from jobs.preview import preview_request
from preferences.services import engine_secret

logger = logging.getLogger(__name__)
WATCH_SECONDS = 0.5


class JobWatcher(threading.Thread):
    def __init__(self, job: ProcessingJob, cancel: threading.Event):
        super().__init__(name=f"watch-{job.id}", daemon=True)
        self.job, self.cancel, self.done = job, cancel, threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(WATCH_SECONDS):
                if not services.job_heartbeat(job=self.job):
                    self.cancel.set()
                    return
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.done.set()
        self.join()


def _request(job: ProcessingJob) -> SeparationRequest:
    work_dir = uploads_path(job.work_folder)
    shutil.rmtree(work_dir, ignore_errors=True)  # what a dead worker left
    work_dir.mkdir(parents=True)
    return SeparationRequest(
        input_path=uploads_path(job.track.file_path),
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
    """Run the job if it is still runnable; every outcome ends in a final status."""
    job = services.job_claim(job_id=job_id)
    if job is None:
        return
    cancel = threading.Event()
    watcher = JobWatcher(job, cancel)
    request = _request(job)
    watcher.start()
    try:
        facts = {}
        if job.preview:
            request, facts = preview_request(job=job, request=request, cancel=cancel)
        result = get_engine(job.engine).separate(
            request, progress=lambda percent: services.job_set_progress(job=job, percent=percent), cancel=cancel
        )
        result = replace(result, meta={**result.meta, **facts})
        if not services.job_complete(job=job, result=result):
            logger.info("Job %s ended while separating; its result was dropped", job.id)
    except EngineCancelled:
        logger.info("Job %s stopped: cancelled or its track was deleted", job.id)
    except EngineError as exc:
        services.job_fail(job=job, message=exc.message, code=exc.code)
    except Exception:
        logger.exception("Job %s crashed", job.id)
        services.job_fail(job=job, message="An unexpected error stopped the separation.", code="internal")
    finally:
        watcher.stop()
        shutil.rmtree(request.work_dir, ignore_errors=True)
