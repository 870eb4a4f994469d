"""A thread in each worker's main process that keeps jobs from being stranded:
it queues again the jobs of dead workers, sends again the queued jobs whose task
the broker may not have, starts jobs waiting for a free slot whose turn has come
(should the end of the job before them have been missed), sweeps away this machine's
files nothing uses, and asks for a sweep of the shared storage (a task on `tasks`).

Each chore runs on its own; an error in one (the database or the broker gone) is
logged and tried again next round, never the end of the thread.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from jobs.dispatch import JobQueueUnavailable, jobs_resend, storage_sweep_send
from jobs.services import jobs_recover_stale, jobs_start_all_waiting
from jobs.sweep import SWEEP_INTERVAL_SECONDS, local_orphans_sweep

logger = logging.getLogger(__name__)


def _chore(name: str, work) -> None:
    try:
        work()
    except JobQueueUnavailable:
        logger.warning("%s: the broker does not answer; trying again next round", name)
    except Exception:
        logger.exception("%s failed; trying again next round", name)
    finally:
        close_old_connections()


def _loop(stop: threading.Event) -> None:
    interval = max(1.0, settings.JOB_STALE_SECONDS / 4)  # a dead worker's job waits at most 1.25x stale
    swept_at = 0.0
    while not stop.wait(interval):
        _chore("Recovering stale jobs", jobs_recover_stale)
        _chore("Sending queued jobs again", jobs_resend)
        _chore("Starting jobs waiting for a free slot", jobs_start_all_waiting)
        if time.monotonic() - swept_at >= SWEEP_INTERVAL_SECONDS:
            swept_at = time.monotonic()
            _chore("Sweeping this machine's orphaned files", local_orphans_sweep)
            _chore("Asking for a sweep of the stored files", storage_sweep_send)


def start_recovery_thread() -> threading.Event:
    """Start the loop; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="job-recovery", daemon=True).start()
    return stop
