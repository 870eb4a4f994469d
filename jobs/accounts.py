"""A user's account at an engine billed by the minute (its ``account`` capability):
minutes used and left, and cancelling at the service.

Used minutes come from this installation's records (the user's completed jobs on
that engine, each priced by the engine's own rule); minutes left come from the service.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.http import Http404

from audio.engines.base import Engine, EngineError
from audio.engines.registry import ENGINE_NAMES, get_engine
from jobs.models import ACTIVE_STATUSES, JobStatus, ProcessingJob
from jobs.preview import PREVIEW_SECONDS
from jobs.services import job_cancel
from preferences.services import engine_secret

logger = logging.getLogger(__name__)


def account_engine(name: str) -> Engine:
    """The engine called ``name`` if it has an account; Http404 otherwise."""
    if name not in ENGINE_NAMES or get_engine(name).account is None:
        raise Http404("No such engine account.")
    return get_engine(name)


def used_minutes(*, user: AbstractBaseUser, engine: Engine) -> float:
    """What the user's completed jobs on ``engine`` cost (a preview: its excerpt's length)."""
    jobs = (
        ProcessingJob.objects.filter(user=user, engine=engine.name, status=JobStatus.COMPLETED)
        .annotate(stem_count=Count("stems"))
        .values_list("track__duration_seconds", "preview", "stem_count")
    )
    return sum(
        engine.account.cost_minutes(seconds=min(seconds, PREVIEW_SECONDS) if preview else seconds, stems=stem_count)
        for seconds, preview, stem_count in jobs
    )


def account_quota(*, user: AbstractBaseUser, engine: Engine) -> dict[str, float]:
    """Minutes used here, left at the service, and their sum.

    Raises EngineAuthError when neither the user nor the installation has a key
    (or the service refuses it), other EngineErrors when the service cannot answer.
    """
    remaining = engine.account.minutes_left(engine_secret(user=user, engine=engine.name))
    used = used_minutes(user=user, engine=engine)
    return {
        "quota_minutes": round(used + remaining, 2),
        "used_minutes": round(used, 2),
        "remaining_minutes": round(remaining, 2),
    }


def _cancel(job: ProcessingJob) -> dict:
    cancelled = job_cancel(job=job, by="the user")
    return {"job": str(job.id), "cancelled": cancelled, "status": job.status}


def account_job_cancel(*, job: ProcessingJob) -> dict:
    """Cancel one job: its worker stops its task at the service."""
    return {"jobs": [_cancel(job)], "service_tasks": {}, "service_error": None}


def account_jobs_cancel_all(*, user: AbstractBaseUser, engine: Engine) -> dict:
    """Cancel every queued or running job of the user on ``engine``, then every task of their key.

    Tasks at the service are cancelled in bulk only with the user's own key: the
    installation's key is shared, and its jobs' workers cancel their own tasks.
    """
    results = [
        _cancel(job)
        for job in ProcessingJob.objects.filter(user=user, engine=engine.name, status__in=ACTIVE_STATUSES).order_by(
            "created_at"
        )
    ]
    tasks, error = {}, None
    try:
        key = engine_secret(user=user, engine=engine.name)
        if key:
            tasks = engine.account.cancel_all(key)
    except EngineError as exc:
        logger.warning("%s cancel-all for user %s failed: %s", engine.name, user.pk, exc.message)
        error = exc.message
    return {"jobs": results, "service_tasks": tasks, "service_error": error}
