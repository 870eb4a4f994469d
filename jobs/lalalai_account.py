"""A user's lalal.ai account as SoundForge sees it: minutes used and left, and cancelling.

Used minutes come from this installation's records (completed lalal.ai jobs:
track minutes, or a preview's, times the job's stems); minutes left come from lalal.ai itself.
"""
from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count

from audio.engines.base import EngineError
from audio.engines.registry import get_engine
from jobs.models import ACTIVE_STATUSES, JobStatus, ProcessingJob
from jobs.preview import PREVIEW_SECONDS
from jobs.services import job_cancel
from jobs.user_settings import LALALAI, lalalai_key_get

logger = logging.getLogger(__name__)


def lalalai_used_minutes(*, user: AbstractBaseUser) -> float:
    """Minutes x stems of the user's completed lalal.ai jobs (a preview: its excerpt's minutes)."""
    jobs = (ProcessingJob.objects.filter(user=user, engine=LALALAI, status=JobStatus.COMPLETED)
            .annotate(stem_count=Count("stems")).values_list("track__duration_seconds", "preview", "stem_count"))
    return sum((min(seconds, PREVIEW_SECONDS) if preview else seconds) / 60 * stem_count
               for seconds, preview, stem_count in jobs)


def lalalai_quota(*, user: AbstractBaseUser) -> dict[str, float]:
    """Minutes used here, left at lalal.ai, and their sum.

    Raises EngineAuthError when neither the user nor the installation has a key
    (or lalal.ai refuses it), other EngineErrors when lalal.ai cannot answer.
    """
    remaining = get_engine(LALALAI).minutes_left(lalalai_key_get(user=user))
    used = lalalai_used_minutes(user=user)
    return {"quota_minutes": round(used + remaining, 2), "used_minutes": round(used, 2),
            "remaining_minutes": round(remaining, 2)}


def _cancel(job: ProcessingJob) -> dict:
    cancelled = job_cancel(job=job, by="the user")
    job.refresh_from_db(fields=["status"])
    return {"job": str(job.id), "cancelled": cancelled, "status": job.status}


def lalalai_job_cancel(*, job: ProcessingJob) -> dict:
    """Cancel one lalal.ai job: its worker stops its task at lalal.ai."""
    return {"jobs": [_cancel(job)], "lalalai_tasks": {}, "lalalai_error": None}


def lalalai_jobs_cancel_all(*, user: AbstractBaseUser) -> dict:
    """Cancel every queued or running lalal.ai job of the user, then every task of their key.

    Tasks at lalal.ai are cancelled in bulk only with the user's own key: the
    installation's key is shared, and its jobs' workers cancel their own tasks.
    """
    results = [_cancel(job) for job in ProcessingJob.objects.filter(
        user=user, engine=LALALAI, status__in=ACTIVE_STATUSES).order_by("created_at")]
    key = lalalai_key_get(user=user)
    tasks, error = {}, None
    if key:
        try:
            tasks = get_engine(LALALAI).cancel_all(key)
        except EngineError as exc:
            logger.warning("lalal.ai cancel-all for user %s failed: %s", user.pk, exc.message)
            error = exc.message
    return {"jobs": results, "lalalai_tasks": tasks, "lalalai_error": error}
