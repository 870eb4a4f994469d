"""Reads of the track library, always scoped to an owner."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from audio.keys import ALL_KEYS, camelot_rank
from audio.models import Track

# Keys in Camelot order (1A, 1B, 2A, ...): neighbours mix well.
_KEY_RANK = Case(
    *(When(key=key, then=Value(camelot_rank(key))) for key in ALL_KEYS), default=None, output_field=IntegerField()
)
# What a library can be sorted by (``-`` before a name reverses it) -> what it sorts on, in order.
# Text sorts without regard to case; an unknown tempo or key sorts last either way; ties fall
# back to the newest upload first.
TRACK_ORDERINGS: dict[str, tuple] = {
    "added": (F("created_at"),),
    "title": (Lower("title"),),
    "artist": (Lower("artist"), Lower("title")),
    "album": (Lower("album"), Lower("title")),
    "duration": (F("duration_seconds"),),
    "bpm": (F("bpm"),),
    "key": (_KEY_RANK,),
}
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
    descending = ordering.startswith("-")
    keys = [key.desc(nulls_last=True) if descending else key.asc(nulls_last=True) for key in TRACK_ORDERINGS[name]]
    return tracks.order_by(*keys, "-created_at", "id")


def track_get(*, owner: AbstractBaseUser, track_id) -> Track:
    """The owner's track; Http404 for anyone else's or a missing one."""
    return get_object_or_404(Track, pk=track_id, owner=owner)
