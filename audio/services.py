"""Writes to the track library."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from pathlib import Path

from av import FFmpegError
from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from audio import analysis
from audio.covers import cover_inspect
from audio.decoding import AudioInfo, inspect_audio
from audio.models import Track
from audio.storage import StorageFailed, bytes_put, file_put, files, local_copy, remove_folder

logger = logging.getLogger(__name__)
ANALYSE_TASK = "audio.analyse_track"
COVER_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/bmp": "bmp", "image/webp": "webp"}


def display_name(raw: str) -> str:
    """The client's file name made safe to show: no control characters, at most 255."""
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    return (cleaned or "untitled")[:255]


class NoRoom(Exception):
    """The owner has no room left for the file; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def track_create(
    *, owner: AbstractBaseUser, upload: TemporaryUploadedFile, room: tuple[int, str] | None = None
) -> tuple[Track, bool]:
    """Store an uploaded file as a track; returns (track, created).

    The same bytes uploaded again by the same owner give the existing track.
    ``room``: the bytes the owner may still store and the sentence refusing more.
    Raises AudioRejected when the file is not acceptable audio, NoRoom when it does
    not fit; nothing is kept then.
    """
    try:
        existing = Track.objects.filter(owner=owner, content_sha256=upload.sha256).first()
        if existing is not None:
            return existing, False
        if room is not None and upload.size > room[0]:
            raise NoRoom(room[1])
        info = inspect_audio(Path(upload.temporary_file_path()), max_seconds=settings.MAX_TRACK_SECONDS)
        return _store(owner=owner, upload=upload, info=info), True
    finally:
        upload.close()  # the temporary file goes, unless it was moved into place


def _fit(field: str, text: str) -> str:
    """``text`` cut to what the Track field holds (a tag can be any length)."""
    return text[: Track._meta.get_field(field).max_length]


def _store(*, owner: AbstractBaseUser, upload: TemporaryUploadedFile, info: AudioInfo) -> Track:
    name = display_name(upload.name)
    track = Track(
        owner=owner,
        title=_fit("title", info.tags.get("title") or Path(name).stem or name),
        artist=_fit("artist", info.tags.get("artist", "")),
        album=_fit("album", info.tags.get("album", "")),
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
    try:
        # The files first, outside the transaction: into a bucket they take a while. Should the
        # row not follow, they go again (or, the process killed, the orphan sweep takes them).
        file_put(name=track.file_path, source=Path(upload.temporary_file_path()))
        if info.cover:
            bytes_put(name=track.cover_path, data=info.cover)
        with transaction.atomic():
            track.save()
    except IntegrityError:
        remove_folder(track.folder)
        # The same file raced in from a parallel upload: that one wins.
        return Track.objects.get(owner=owner, content_sha256=upload.sha256)
    except BaseException as exc:
        if isinstance(exc, StorageFailed):
            logger.error("Upload of %s for user %s not stored: %s", track.id, owner.pk, exc)
        remove_folder(track.folder)
        raise
    logger.info("Stored track %s (%s, %.1f s) for user %s", track.id, track.extension, track.duration_seconds, owner.pk)
    transaction.on_commit(lambda: track_analysis_send(track_id=track.id))
    return track


def track_delete(*, track: Track) -> None:
    """Delete a track (its jobs go with it in the database) and its own files.

    Call inside the caller's transaction; the folder goes once it commits.
    """
    folder = track.folder
    with transaction.atomic():
        track.delete()
        transaction.on_commit(lambda: remove_folder(folder))
    logger.info("Deleted track %s", folder)


class TrackInvalid(Exception):
    """Refused edits; ``errors`` maps each field to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


EDITABLE_FIELDS = ("title", "artist", "album")


def track_update(*, track: Track, values: dict[str, str]) -> Track:
    """Change the track's title, artist or album (only those given). Text is trimmed and
    stripped of control characters; a title cannot be empty. Raises TrackInvalid."""
    errors, cleaned = {}, {}
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            errors[name] = "This field cannot be changed."
            continue
        text = "".join(ch for ch in str(value) if unicodedata.category(ch)[0] != "C").strip()
        limit = Track._meta.get_field(name).max_length
        if name == "title" and not text:
            errors[name] = "A track needs a title."
        elif len(text) > limit:
            errors[name] = f"At most {limit} characters."
        cleaned[name] = text
    if errors:
        raise TrackInvalid(errors)
    for name, text in cleaned.items():
        setattr(track, name, text)
    track.save(update_fields=list(cleaned))
    logger.info("Track %s edited (%s)", track.id, ", ".join(cleaned))
    return track


def track_cover_set(*, track: Track, data: bytes | None) -> Track:
    """Give the track a new cover picture, or (``data`` None) go back to the generated one.
    Raises CoverRejected; the old cover stays then."""
    old = track.cover_path
    if data is None:
        track.cover_path, track.cover_mime = "", ""
    else:
        mime = cover_inspect(data)
        # A new name for each picture: cover URLs change with it (Track.cover_version).
        track.cover_path = f"{track.folder}/cover-{uuid.uuid4().hex[:8]}.{COVER_EXTENSIONS[mime]}"
        track.cover_mime = mime
        bytes_put(name=track.cover_path, data=data)
    track.save(update_fields=["cover_path", "cover_mime"])
    if old:
        files().delete(old)
    logger.info("Track %s cover %s", track.id, "replaced" if data is not None else "removed")
    return track


def track_analysis_send(*, track_id) -> bool:
    """Ask the analysis workers for the track's tempo and key; False when the broker is down.

    A lost request costs nothing but time: workers send one for every track never
    analysed when they start (``tracks_analysis_backfill``).
    """
    try:
        current_app.send_task(ANALYSE_TASK, args=[str(track_id)])
    except OperationalError as exc:  # kombu's word for "the broker cannot be reached"
        logger.warning("The broker did not take the analysis of track %s: %s", track_id, exc)
        return False
    return True


def tracks_analysis_backfill() -> int:
    """Send an analysis request for every track never analysed; returns how many were sent."""
    sent = 0
    for track_id in Track.objects.filter(analysed_at__isnull=True).values_list("pk", flat=True).iterator():
        if not track_analysis_send(track_id=track_id):
            break  # the broker is down: the next worker start tries again
        sent += 1
    return sent


def track_analyse(*, track_id) -> None:
    """Measure the track's tempo and key and store them; idempotent.

    A track already analysed, corrected by hand or deleted is left alone. A file
    that cannot be decoded is recorded as analysed with nothing found.
    """
    track = Track.objects.filter(pk=track_id, analysed_at__isnull=True).first()
    if track is None:
        return
    try:
        with local_copy(track.file_path) as original:
            found = analysis.analyse(original, duration=track.duration_seconds)
    except (FFmpegError, OSError, StorageFailed):
        logger.exception("Could not analyse track %s", track.id)
        found = analysis.Analysis(bpm=None, key=None)
    Track.objects.filter(pk=track.pk, analysed_at__isnull=True).update(
        bpm=found.bpm, key=found.key or "", analysed_at=timezone.now()
    )


def track_set_tempo_key(*, track: Track, bpm: float | None, key: str) -> Track:
    """Correct the track's tempo and key by hand; the analysis will not overwrite them."""
    track.bpm, track.key, track.analysed_at = bpm, key, timezone.now()
    track.save(update_fields=["bpm", "key", "analysed_at"])
    return track
