"""A job's stem files: stored under ``stems/<job id>/`` once its engine is done, removed with it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.db import transaction

from audio import services as audio_services
from audio.decoding import probe_seconds
from audio.models import Track
from audio.storage import remove_folder, uploads_path
from audio.waveforms import WaveformsUnavailable, waveforms_load, waveforms_store
from jobs.models import JobStatus, ProcessingJob, Stem

logger = logging.getLogger(__name__)


def stems_store(*, job: ProcessingJob, files: dict[str, Path]) -> list[Stem]:
    """Move an engine's result files into the job's folder and record one Stem each.

    Call inside the transaction that completes the job: if it rolls back, the
    caller removes the folder again (``stems_discard``). Their waveforms are drawn
    before, outside the transaction (``stems_draw``).
    """
    uploads_path(job.folder).mkdir(parents=True, exist_ok=True)
    stems = []
    for stem_type, source in sorted(files.items()):
        relative = f"{job.folder}/{stem_type}.{job.output_format}"
        target = uploads_path(relative)
        os.replace(source, target)
        stems.append(
            Stem(
                job=job,
                stem_type=stem_type,
                format=job.output_format,
                duration_seconds=probe_seconds(target) or 0.0,
                size_bytes=target.stat().st_size,
                file_path=relative,
            )
        )
    return Stem.objects.bulk_create(stems)


def stems_draw(*, job: ProcessingJob, files: dict[str, Path], levels: dict | None = None) -> None:
    """Store the waveforms and stem loudness (audio.waveforms) of an engine's result files in the
    job's folder, before ``stems_store`` moves them there: from the ``levels`` the engine
    measured while writing them, else decoded from the files.

    Outside the transaction that completes the job: decoding every stem takes
    seconds, and on SQLite a transaction holds the database's write lock. If a
    file cannot be decoded for them, they are tried again on first view.
    """
    uploads_path(job.folder).mkdir(parents=True, exist_ok=True)
    if job.preview:  # the engine measured the excerpt; the page draws the whole original
        levels = None
    try:
        waveforms_store(target=job.peaks_path, original=uploads_path(job.track.file_path), stems=files, levels=levels)
    except WaveformsUnavailable as exc:
        logger.warning("%s; they will be drawn on first view", exc)


def stems_discard(*, job: ProcessingJob) -> None:
    """Remove a job's stem files (its rows go with the job)."""
    remove_folder(job.folder)


def stem_paths(*, job: ProcessingJob) -> dict[str, Path]:
    """Stem type -> its file, for a job's stored stems."""
    return {stem.stem_type: uploads_path(stem.file_path) for stem in job.stems.all()}


def job_waveforms(*, job: ProcessingJob) -> dict | None:
    """The stored waveforms of a completed job (computed now for older jobs), or None."""
    stems = stem_paths(job=job)
    if job.status != JobStatus.COMPLETED or not stems:
        return None
    try:
        return waveforms_load(target=job.peaks_path, original=uploads_path(job.track.file_path), stems=stems)
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
