"""Files nothing refers to any more, swept away.

What leaves them: a track or user deleted from the admin (rows cascade, files do not),
a storage that refused a removal, a worker killed mid-job (its work folder in its
SCRATCH_DIR), a server killed mid-upload (its temporary file in ``incoming/``). Only
what is older than settings.ORPHAN_AGE_SECONDS goes, so nothing being written right now (an
upload not yet committed, stems stored before their job's transaction) is ever taken.

Each worker sweeps its own machine's folders, and sends a task on the small-tasks queue
(Celery's default, `tasks`) that sweeps the storage the machines share.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings

from audio.models import Track
from audio.storage import files, names_under, remove_folder
from jobs.models import WORK_FOLDER_NAME, JobStatus, ProcessingJob

logger = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 3600


def _old(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime >= settings.ORPHAN_AGE_SECONDS
    except FileNotFoundError:
        return False


def _stored_old(folder: str, now: float) -> bool:
    """Every file of the stored folder is older than settings.ORPHAN_AGE_SECONDS."""
    storage, age = files(), settings.ORPHAN_AGE_SECONDS
    return all(now - storage.get_modified_time(name).timestamp() >= age for name in names_under(folder))


def _folder_id(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def _work_folder_wanted(name: str, running: dict[str, int]) -> bool:
    """A work folder is wanted only while its job runs that very attempt."""
    job_id, _, attempt = name.removeprefix(WORK_FOLDER_NAME).rpartition("-")
    return attempt.isdigit() and running.get(job_id) == int(attempt)


def _subfolders(folder: str) -> list[str]:
    try:
        return files().listdir(folder)[0]
    except FileNotFoundError:
        return []


def _stored_orphans(tracks: set[str], jobs: set[str]):
    for name in _subfolders("tracks"):
        if _folder_id(name) and name not in tracks:
            yield f"tracks/{name}"
    for name in _subfolders("stems"):
        # Work folders were kept here before SCRATCH_DIR; none is in use any more.
        if name.startswith(WORK_FOLDER_NAME) or (_folder_id(name) and name not in jobs):
            yield f"stems/{name}"


def _local_orphans(running: dict[str, int]):
    yield from Path(settings.FILE_UPLOAD_TEMP_DIR).glob("*")
    for path in Path(settings.SCRATCH_DIR).glob("*"):
        if not _work_folder_wanted(path.name, running):
            yield path


def stored_orphans_sweep() -> list[str]:
    """Remove the old stored folders no row refers to (the folder or the bucket all machines
    share: one sweep does for all, as a task on the small-tasks queue); returns their names."""
    now, removed = time.time(), []
    tracks = {str(pk) for pk in Track.objects.values_list("id", flat=True)}
    jobs = {str(pk) for pk in ProcessingJob.objects.values_list("id", flat=True)}
    for folder in _stored_orphans(tracks, jobs):
        if _stored_old(folder, now):
            remove_folder(folder)
            removed.append(folder)
    _log_swept(removed)
    return removed


def local_orphans_sweep() -> list[str]:
    """Remove this machine's old temporary files and work folders no running attempt uses;
    returns their paths."""
    now, removed = time.time(), []
    running = dict(ProcessingJob.objects.filter(status=JobStatus.RUNNING).values_list("id", "attempts"))
    running = {str(pk): attempt for pk, attempt in running.items()}
    for path in _local_orphans(running):
        if not _old(path, now):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(str(path))
    _log_swept(removed)
    return removed


def _log_swept(removed: list[str]) -> None:
    if removed:
        logger.info("Swept %d orphaned files and folders: %s", len(removed), ", ".join(removed[:20]))
