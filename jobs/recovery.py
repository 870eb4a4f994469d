"""A thread in each worker's main process that recovers jobs whose worker died."""
import logging
import threading

from django.db import DatabaseError, close_old_connections

from jobs.services import jobs_recover_stale

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


def _loop(stop: threading.Event) -> None:
    while not stop.wait(INTERVAL_SECONDS):
        try:
            jobs_recover_stale()
        except DatabaseError:
            logger.exception("Recovering stale jobs failed; trying again in %ss", INTERVAL_SECONDS)
        finally:
            close_old_connections()


def start_recovery_thread() -> threading.Event:
    """Start the loop; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="job-recovery", daemon=True).start()
    return stop
