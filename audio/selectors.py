"""Reads of the track library, always scoped to an owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from audio.models import Track


def track_list(*, owner: AbstractBaseUser) -> QuerySet[Track]:
    return Track.objects.filter(owner=owner)


def track_get(*, owner: AbstractBaseUser, track_id) -> Track:
    """The owner's track; Http404 for anyone else's or a missing one."""
    return get_object_or_404(Track, pk=track_id, owner=owner)
