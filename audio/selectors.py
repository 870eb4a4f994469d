"""Reads of the track library, always scoped to an owner."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from audio.models import Track

# What a library can be sorted by (``-`` before a name reverses it) -> the fields, in order.
# Text fields sort without regard to case; ties fall back to the newest upload first.
TRACK_ORDERINGS: dict[str, tuple[str, ...]] = {
    "added": ("created_at",),
    "title": ("title",),
    "artist": ("artist", "title"),
    "album": ("album", "title"),
    "duration": ("duration_seconds",),
}
TEXT_FIELDS = frozenset({"title", "artist", "album"})
DEFAULT_ORDERING = "-added"
SEARCHED_FIELDS = ("title", "artist", "album", "original_filename")
MAX_QUERY = 200  # characters of a search kept


class UnknownOrdering(ValueError):
    """``message`` names the orderings there are."""

    def __init__(self, ordering: str):
        names = ", ".join(f"{name}, -{name}" for name in TRACK_ORDERINGS)
        self.message = f"Unknown ordering {ordering[:40]!r}; choose one of: {names}."
        super().__init__(self.message)


def track_list(*, owner: AbstractBaseUser) -> QuerySet[Track]:
    return Track.objects.filter(owner=owner)


def track_search(*, owner: AbstractBaseUser, query: str = "", ordering: str = DEFAULT_ORDERING) -> QuerySet[Track]:
    """The owner's tracks whose title, artist, album or file name hold every word of
    ``query`` (any case), sorted by ``ordering``. Raises UnknownOrdering."""
    name = ordering.removeprefix("-")
    if name not in TRACK_ORDERINGS:
        raise UnknownOrdering(ordering)
    tracks = track_list(owner=owner)
    for word in query[:MAX_QUERY].split():
        matches = Q()
        for field in SEARCHED_FIELDS:
            matches |= Q(**{f"{field}__icontains": word})
        tracks = tracks.filter(matches)
    keys = []
    for field in TRACK_ORDERINGS[name]:
        expression = Lower(field) if field in TEXT_FIELDS else F(field)
        keys.append(expression.desc() if ordering.startswith("-") else expression.asc())
    return tracks.order_by(*keys, "-created_at", "id")


def track_get(*, owner: AbstractBaseUser, track_id) -> Track:
    """The owner's track; Http404 for anyone else's or a missing one."""
    return get_object_or_404(Track, pk=track_id, owner=owner)
