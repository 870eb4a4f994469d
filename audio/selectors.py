"""Reads of the track library, always scoped to an owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, F, IntegerField, OrderBy, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from audio.keys import ALL_KEYS, camelot_rank
from audio.models import Track

# Keys in Camelot order (1A, 1B, 2A, ...): neighbours mix well. No key sorts last.
_KEY_RANK = Case(
    *(When(key=key, then=Value(camelot_rank(key))) for key in ALL_KEYS), default=None, output_field=IntegerField()
)
# The orders a track list can be asked for (the API's ``ordering``, the library's sort menu); newest first
# breaks ties. Unknown tempo or key sorts last either way.
TRACK_ORDERINGS: dict[str, tuple[OrderBy, ...]] = {
    "-created_at": (F("created_at").desc(),),
    "created_at": (F("created_at").asc(),),
    "bpm": (F("bpm").asc(nulls_last=True), F("created_at").desc()),
    "-bpm": (F("bpm").desc(nulls_last=True), F("created_at").desc()),
    "key": (_KEY_RANK.asc(nulls_last=True), F("created_at").desc()),
    "-key": (_KEY_RANK.desc(nulls_last=True), F("created_at").desc()),
}
DEFAULT_ORDERING = "-created_at"


def track_list(*, owner: AbstractBaseUser, ordering: str = DEFAULT_ORDERING) -> QuerySet[Track]:
    """The owner's tracks in ``ordering`` (a key of TRACK_ORDERINGS; KeyError for another)."""
    return Track.objects.filter(owner=owner).order_by(*TRACK_ORDERINGS[ordering])


def track_get(*, owner: AbstractBaseUser, track_id) -> Track:
    """The owner's track; Http404 for anyone else's or a missing one."""
    return get_object_or_404(Track, pk=track_id, owner=owner)
