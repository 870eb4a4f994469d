"""Reads of processing jobs, always scoped to their owner."""
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from jobs.models import ProcessingJob


def job_get(*, user, job_id) -> ProcessingJob:
    """The user's job; Http404 for anyone else's or a missing one."""
    return get_object_or_404(ProcessingJob.objects.select_related("track"), pk=job_id, user=user)


def latest_jobs_by_track(*, user, track_ids) -> dict:
    """Track id -> that track's newest job, for the library cards."""
    latest = {}
    jobs: QuerySet = ProcessingJob.objects.filter(user=user, track_id__in=track_ids).prefetch_related("stems")
    for job in jobs.order_by("-created_at"):
        latest.setdefault(job.track_id, job)
    return latest


def jobs_of_track(*, user, track) -> list[ProcessingJob]:
    """The user's jobs of ``track``, newest first, with their stems."""
    return list(ProcessingJob.objects.filter(user=user, track=track).prefetch_related("stems")
                .order_by("-created_at"))
