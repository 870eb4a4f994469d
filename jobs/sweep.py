"""Files nothing refers to any more, swept away.

What leaves them: a track or user deleted from the admin (rows cascade, files do not),
a worker killed mid-job (its work folder), a server killed mid-upload (its
temporary file in ``incoming/``). Only what is older than ORPHAN_AGE_SECONDS goes,
so nothing being written right now (an upload not yet committed, a stem folder
inside its job's transaction) is ever taken.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings

from audio.models import Track
from audio.storage import uploads_path
from jobs.models import WORK_FOLDER_NAME, JobStatus, ProcessingJob

logger = logging.getLogger(__name__)
ORPHAN_AGE_SECONDS = 3600
SWEEP_INTERVAL_SECONDS = 3600


def _old(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime >= ORPHAN_AGE_SECONDS
    except FileNotFoundError:
        return False


def _folder_id(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def _work_folder_wanted(name: str, running: dict[str, int]) -> bool:
    """A work folder is wanted only while its job runs that very attempt."""
    job_id, _, attempt = name.removeprefix(WORK_FOLDER_NAME).rpartition("-")
    return attempt.isdigit() and running.get(job_id) == int(attempt)


def _orphans(root: Path, tracks: set[str], jobs: set[str], running: dict[str, int]):
    yield from (root / "incoming").glob("*")
    for path in (root / "tracks").glob("*"):
        if _folder_id(path.name) and path.name not in tracks:
            yield path
    for path in (root / "stems").glob("*"):
        if path.name.startswith(WORK_FOLDER_NAME):
            if not _work_folder_wanted(path.name, running):
                yield path
        elif _folder_id(path.name) and path.name not in jobs:
            yield path


def orphans_sweep() -> list[str]:
    """Remove old files and folders under UPLOADS_DIR that no row refers to; returns them (relative)."""
    now, removed = time.time(), []
    root = Path(settings.UPLOADS_DIR)
    tracks = {str(pk) for pk in Track.objects.values_list("id", flat=True)}
    jobs = {str(pk) for pk in ProcessingJob.objects.values_list("id", flat=True)}
    running = dict(ProcessingJob.objects.filter(status=JobStatus.RUNNING).values_list("id", "attempts"))
    running = {str(pk): attempt for pk, attempt in running.items()}
    for path in _orphans(root, tracks, jobs, running):
        if not _old(path, now):
            continue
        relative = str(path.relative_to(root))
        if path.is_dir():
            shutil.rmtree(uploads_path(relative), ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(relative)
    if removed:
        logger.info("Swept %d orphaned upload files and folders: %s", len(removed), ", ".join(removed[:20]))
    return removed
