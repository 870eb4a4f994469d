"""Reads of processing jobs and their stems, always scoped to their owner."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from audio.models import Track
from audio.selectors import DEFAULT_ORDERING, track_list, track_search
from jobs.models import ACTIVE_STATUSES, JobStatus, ProcessingJob, Stem


def library_tracks(
    *, user: AbstractBaseUser, query: str = "", ordering: str = DEFAULT_ORDERING, separated: bool | None = None
) -> QuerySet[Track]:
    """The user's tracks matching ``query``, sorted by ``ordering`` (audio.selectors.track_search),
    only those with (``separated``) or without a completed separation when it is given.
    Raises UnknownOrdering."""
    tracks = track_search(owner=user, query=query, ordering=ordering)
    if separated is None:
        return tracks
    done = Exists(ProcessingJob.objects.filter(track=OuterRef("pk"), status=JobStatus.COMPLETED))
    return tracks.filter(done) if separated else tracks.exclude(done)


class BatchUnfit(Exception):
    """A batch's search finds no track, or more than a batch takes; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def batch_tracks(*, user: AbstractBaseUser, ids: list | None, search: dict | None, most: int) -> list[Track]:
    """The user's tracks a batch names (in its order, each once; Http404 for one not theirs),
    else those its search (``q``, ``separated``) finds. Raises BatchUnfit."""
    if ids is not None:
        found = {track.id: track for track in track_list(owner=user).filter(pk__in=ids)}
        missing = [str(track_id) for track_id in ids if track_id not in found]
        if missing:
            raise Http404(f"No such track: {', '.join(missing[:5])}.")
        return [found[track_id] for track_id in dict.fromkeys(ids)]
    tracks = list(library_tracks(user=user, query=search.get("q", ""), separated=search.get("separated"))[: most + 1])
    if len(tracks) > most:
        raise BatchUnfit(f"The search finds more than {most} tracks; narrow it down.")
    if not tracks:
        raise BatchUnfit("The search finds no track.")
    return tracks


def job_get(*, user: AbstractBaseUser, job_id) -> ProcessingJob:
    """The user's job; Http404 for anyone else's or a missing one."""
    return get_object_or_404(ProcessingJob.objects.select_related("track"), pk=job_id, user=user)


def completed_job_get(*, user: AbstractBaseUser, job_id) -> ProcessingJob:
    """The user's completed job with its stems; Http404 otherwise (not theirs, not done)."""
    return get_object_or_404(
        ProcessingJob.objects.select_related("track").prefetch_related("stems"),
        pk=job_id,
        user=user,
        status=JobStatus.COMPLETED,
    )


def jobs_by_track(*, user: AbstractBaseUser, track_ids) -> dict:
    """Track id -> that track's jobs, newest first, for the library cards."""
    found: dict = {}
    jobs: QuerySet = ProcessingJob.objects.filter(user=user, track_id__in=track_ids).prefetch_related("stems")
    for job in jobs.order_by("-created_at"):
        found.setdefault(job.track_id, []).append(job)
    return found


def unfinished_jobs(*, user: AbstractBaseUser) -> QuerySet[ProcessingJob]:
    """The user's jobs waiting, queued or running, oldest first."""
    return (
        ProcessingJob.objects.filter(user=user, status__in=ACTIVE_STATUSES)
        .prefetch_related("stems")
        .order_by("created_at")
    )


def jobs_of_track(*, user: AbstractBaseUser, track: Track) -> list[ProcessingJob]:
    """The user's jobs of ``track``, newest first, with their stems."""
    return list(ProcessingJob.objects.filter(user=user, track=track).prefetch_related("stems").order_by("-created_at"))


def stem_get(*, owner: AbstractBaseUser, stem_id) -> Stem:
    return get_object_or_404(Stem.objects.select_related("job__track"), pk=stem_id, job__user=owner)


def stem_by_file(*, owner: AbstractBaseUser, job_id, file_name: str) -> Stem:
    """The owner's stem stored as ``stems/<job_id>/<file_name>``; Http404 otherwise."""
    for stem in Stem.objects.filter(job_id=job_id, job__user=owner):
        if stem.file_name == file_name:
            return stem
    raise Http404("No such stem file.")


def latest_stems(*, owner: AbstractBaseUser, track: Track) -> list[Stem]:
    """The stems of the track's newest completed job, full runs before previews."""
    stems = (
        Stem.objects.filter(job__track=track, job__user=owner, job__status=JobStatus.COMPLETED)
        .order_by("job__preview", "-job__finished_at", "stem_type")
        .select_related("job")
    )
    first = next(iter(stems), None)
    if first is None:
        raise Http404("This track has no completed separation yet.")
    return [stem for stem in stems if stem.job_id == first.job_id]
