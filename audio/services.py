"""Writes to the track library."""
from __future__ import annotations

import logging
import os
import unicodedata
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, transaction

from audio.decoding import AudioInfo, inspect_audio, probe_seconds
from audio.models import Stem, Track
from audio.storage import remove_folder, uploads_path
from audio.waveforms import WaveformsUnavailable, waveforms_store

logger = logging.getLogger(__name__)
COVER_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/bmp": "bmp", "image/webp": "webp"}


def display_name(raw: str) -> str:
    """The client's file name made safe to show: no control characters, at most 255."""
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    return (cleaned or "untitled")[:255]


def track_create(*, owner: AbstractBaseUser, upload: TemporaryUploadedFile) -> tuple[Track, bool]:
    """Store an uploaded file as a track; returns (track, created).

    The same bytes uploaded again by the same owner give the existing track.
    Raises AudioRejected when the file is not acceptable audio; nothing is kept then.
    """
    try:
        existing = Track.objects.filter(owner=owner, content_sha256=upload.sha256).first()
        if existing is not None:
            return existing, False
        info = inspect_audio(Path(upload.temporary_file_path()), max_seconds=settings.MAX_TRACK_SECONDS)
        return _store(owner=owner, upload=upload, info=info), True
    finally:
        upload.close()  # the temporary file goes, unless it was moved into place


def _store(*, owner: AbstractBaseUser, upload: TemporaryUploadedFile, info: AudioInfo) -> Track:
    name = display_name(upload.name)
    track = Track(
        owner=owner,
        title=info.tags.get("title") or Path(name).stem[:300] or name,
        artist=info.tags.get("artist", "")[:300],
        album=info.tags.get("album", "")[:300],
        original_filename=name,
        extension=info.extension,
        codec=info.codec,
        content_sha256=upload.sha256,
        size_bytes=upload.size,
        duration_seconds=info.duration,
        sample_rate=info.sample_rate,
        channels=info.channels,
    )
    if info.cover:
        track.cover_path = f"{track.folder}/cover.{COVER_EXTENSIONS[info.cover_mime]}"
        track.cover_mime = info.cover_mime
    folder = uploads_path(track.folder)
    try:
        with transaction.atomic():
            track.save()
            folder.mkdir(parents=True)
            os.replace(upload.temporary_file_path(), uploads_path(track.file_path))
            if info.cover:
                uploads_path(track.cover_path).write_bytes(info.cover)
    except IntegrityError:
        remove_folder(track.folder)
        # The same file raced in from a parallel upload: that one wins.
        return Track.objects.get(owner=owner, content_sha256=upload.sha256)
    except BaseException:
        remove_folder(track.folder)
        raise
    logger.info("Stored track %s (%s, %.1f s) for user %s", track.id, track.extension,
                track.duration_seconds, owner.pk)
    return track


def track_delete(*, track: Track) -> None:
    """Delete a track with its jobs, stems and files.

    A job still running notices that its row is gone and stops (jobs.execution).
    """
    folders = [track.folder] + [f"stems/{job_id}" for job_id in track.jobs.values_list("id", flat=True)]
    with transaction.atomic():
        track.delete()
        transaction.on_commit(lambda: _remove_folders(folders))
    logger.info("Deleted track %s", track.folder)


def _remove_folders(folders: list[str]) -> None:
    for folder in folders:
        remove_folder(folder)


def stems_store(*, job, files: dict[str, Path], output_format: str) -> list[Stem]:
    """Move an engine's result files to ``stems/<job id>/`` and record one Stem each.

    Call inside the transaction that completes the job: if it rolls back, the
    folder is removed again by the caller's cleanup (see ``stems_discard``).
    The waveforms and stem loudness (audio.waveforms) are stored beside the stems;
    if a file cannot be decoded for them, they are tried again on first view.
    """
    folder = uploads_path(f"stems/{job.id}")
    folder.mkdir(parents=True, exist_ok=True)
    stems = []
    for stem_type, source in sorted(files.items()):
        relative = f"stems/{job.id}/{stem_type}.{output_format}"
        target = uploads_path(relative)
        os.replace(source, target)
        stems.append(Stem(job=job, stem_type=stem_type, format=output_format,
                          duration_seconds=probe_seconds(target) or 0.0,
                          size_bytes=target.stat().st_size, file_path=relative))
    try:
        waveforms_store(job_id=job.id, original=uploads_path(job.track.file_path),
                        stems={stem.stem_type: uploads_path(stem.file_path) for stem in stems})
    except WaveformsUnavailable as exc:
        logger.warning("%s; they will be drawn on first view", exc)
    return Stem.objects.bulk_create(stems)


def stems_discard(*, job_id) -> None:
    """Remove a job's stem files (its rows go with the job)."""
    remove_folder(f"stems/{job_id}")
