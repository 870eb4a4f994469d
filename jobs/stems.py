"""A job's stem files: stored under ``stems/<job id>/`` once its engine is done, removed with it.

The engine writes them on the worker's own disk (SCRATCH_DIR); they are stored (the
uploads folder, or the bucket) before the job is marked completed, so any web
server can then serve them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.db import transaction

from audio import services as audio_services
from audio.decoding import probe_seconds
from audio.models import Track
from audio.storage import StorageFailed, file_put, remove_folder
from audio.waveforms import WaveformsUnavailable, waveforms_load, waveforms_store
from jobs.models import JobStatus, ProcessingJob, Stem

logger = logging.getLogger(__name__)


def stems_upload(*, job: ProcessingJob, files: dict[str, Path]) -> list[Stem]:
    """Store an engine's result files (on this machine) as the job's stems; returns their rows,
    not saved yet (``stems_record`` saves them with the job's completion).

    Outside the transaction that completes the job: into a bucket this takes a while.
    Raises StorageFailed; the caller then removes what was stored (``stems_discard``).
    """
    stems = []
    for stem_type, source in sorted(files.items()):
        name = f"{job.folder}/{stem_type}.{job.output_format}"
        seconds = probe_seconds(source) or 0.0
        stems.append(
            Stem(
                job=job,
                stem_type=stem_type,
                format=job.output_format,
                duration_seconds=seconds,
                size_bytes=file_put(name=name, source=source),
                file_path=name,
            )
        )
    return stems


def stems_record(*, stems: list[Stem]) -> list[Stem]:
    """Save the rows of stored stems; inside the transaction that completes their job."""
    return Stem.objects.bulk_create(stems)


def stems_draw(*, job: ProcessingJob, files: dict[str, Path], original: Path, levels: dict | None = None) -> None:
    """Store the waveforms and stem loudness (audio.waveforms) of an engine's result files and of
    the ``original`` (files on this machine) in the job's folder: from the ``levels`` the
    engine measured while writing them, else decoded from the files.

    Outside the transaction that completes the job: decoding every stem takes
    seconds, and on SQLite a transaction holds the database's write lock. If a
    file cannot be decoded or stored for them, they are tried again on first view.
    """
    if job.preview:  # the engine measured the excerpt; the page draws the whole original
        levels = None
    try:
        waveforms_store(target=job.peaks_path, original=original, stems=files, levels=levels)
    except (WaveformsUnavailable, StorageFailed) as exc:
        logger.warning("%s; they will be drawn on first view", exc)


def stems_discard(*, job: ProcessingJob) -> None:
    """Remove a job's stem files (its rows go with the job)."""
    remove_folder(job.folder)


def stem_names(*, job: ProcessingJob) -> dict[str, str]:
    """Stem type -> its stored name, for a job's stored stems."""
    return {stem.stem_type: stem.file_path for stem in job.stems.all()}


def job_waveforms(*, job: ProcessingJob) -> dict | None:
    """The stored waveforms of a completed job (computed now for older jobs), or None."""
    stems = stem_names(job=job)
    if job.status != JobStatus.COMPLETED or not stems:
        return None
    try:
        return waveforms_load(target=job.peaks_path, original=job.track.file_path, stems=stems)
    except WaveformsUnavailable as exc:
        logger.warning("%s", exc)
        return None


def track_delete(*, track: Track) -> None:
    """Delete a track with its jobs, their stems and every file of them.

    A job still running notices that its row is gone and stops (jobs.execution).
    """
    folders = [job.folder for job in track.jobs.all()]
    with transaction.atomic():
        audio_services.track_delete(track=track)
        transaction.on_commit(lambda: _remove_folders(folders))


def jobs_delete(*, jobs: list[ProcessingJob]) -> None:
    """Delete jobs with their stems and files (a running one notices and stops)."""
    folders = [job.folder for job in jobs]
    with transaction.atomic():
        ProcessingJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()
        transaction.on_commit(lambda: _remove_folders(folders))
    logger.info("Deleted jobs %s", ", ".join(folders))


def _remove_folders(folders: list[str]) -> None:
    for folder in folders:
        remove_folder(folder)
