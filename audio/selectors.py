"""Reads of the track library, always scoped to an owner."""
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from audio.models import Stem, Track


def track_list(*, owner: AbstractBaseUser) -> QuerySet[Track]:
    return Track.objects.filter(owner=owner)


def track_get(*, owner: AbstractBaseUser, track_id) -> Track:
    """The owner's track; Http404 for anyone else's or a missing one."""
    return get_object_or_404(Track, pk=track_id, owner=owner)


def stem_get(*, owner: AbstractBaseUser, stem_id) -> Stem:
    return get_object_or_404(Stem, pk=stem_id, job__user=owner)


def stem_by_file(*, owner: AbstractBaseUser, job_id, file_name: str) -> Stem:
    """The owner's stem stored as ``stems/<job_id>/<file_name>``; Http404 otherwise."""
    if "\x00" in file_name:  # no stored name has one, and PostgreSQL refuses to compare it
        raise Http404("No such stem file.")
    return get_object_or_404(Stem, job_id=job_id, job__user=owner, file_path=f"stems/{job_id}/{file_name}")


def latest_stems(*, owner: AbstractBaseUser, track_id) -> tuple[Track, list[Stem]]:
    """The stems of the track's newest completed job, full runs before previews."""
    track = track_get(owner=owner, track_id=track_id)
    stems = (Stem.objects.filter(job__track=track, job__status="completed")
             .order_by("job__preview", "-job__finished_at", "stem_type").select_related("job"))
    first = next(iter(stems), None)
    if first is None:
        raise Http404("This track has no completed separation yet.")
    return track, [stem for stem in stems if stem.job_id == first.job_id]
