"""A thread in each worker's main process that recovers jobs whose worker died."""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from jobs.services import jobs_recover_stale

logger = logging.getLogger(__name__)


def _loop(stop: threading.Event) -> None:
    interval = max(1.0, settings.JOB_STALE_SECONDS / 4)  # a dead worker's job waits at most 1.25x stale
    while not stop.wait(interval):
        try:
            jobs_recover_stale()
        except DatabaseError:
            logger.exception("Recovering stale jobs failed; trying again in %ss", interval)
        finally:
            close_old_connections()


def start_recovery_thread() -> threading.Event:
    """Start the loop; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="job-recovery", daemon=True).start()
    return stop
