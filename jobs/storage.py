"""What a user keeps on disk (originals and stems) against USER_STORAGE_MB."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db.models import Sum

from audio import services as audio_services
from audio.models import Track
from jobs.models import Stem

MiB = 1024 * 1024


def storage_used(*, user: AbstractBaseUser) -> int:
    """Bytes of the user's originals and stems."""
    tracks = Track.objects.filter(owner=user).aggregate(total=Sum("size_bytes"))["total"] or 0
    stems = Stem.objects.filter(job__user=user).aggregate(total=Sum("size_bytes"))["total"] or 0
    return tracks + stems


def storage_room(*, user: AbstractBaseUser) -> int | None:
    """Bytes the user may still store; None without a limit."""
    if not settings.USER_STORAGE_MB:
        return None
    return max(0, settings.USER_STORAGE_MB * MiB - storage_used(user=user))


def storage_full_message(*, user: AbstractBaseUser) -> str:
    used, limit = storage_used(user=user) / MiB, settings.USER_STORAGE_MB
    return (
        f"Your storage is full: {used:.0f} MB of your {limit} MB are used. "
        "Delete tracks or separations you no longer need to make room."
    )


def track_add(*, owner: AbstractBaseUser, upload: TemporaryUploadedFile) -> tuple[Track, bool]:
    """Store an upload as the owner's track if it fits their storage; returns (track, created).

    Raises AudioRejected (not acceptable audio) or NoRoom (storage full).
    """
    room = storage_room(user=owner)
    limit = None if room is None else (room, storage_full_message(user=owner))
    return audio_services.track_create(owner=owner, upload=upload, room=limit)
