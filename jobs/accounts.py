"""A user's account at an engine billed by the minute (its ``account`` capability):
minutes used and left, and cancelling at the service.

Used minutes come from this installation's records (the user's completed jobs on
that engine, each priced by the engine's own rule); minutes left come from the service.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.http import Http404
from redis import RedisError

from audio.engines.base import Engine, EngineError
from audio.engines.registry import ENGINE_NAMES, get_engine
from audio.models import Track
from jobs.models import ACTIVE_STATUSES, JobStatus, ProcessingJob
from jobs.preview import PREVIEW_SECONDS
from jobs.services import job_cancel
from preferences.services import engine_secret, separation_defaults, separation_options

logger = logging.getLogger(__name__)
QUOTA_CACHE_SECONDS = 60


def account_engine(name: str) -> Engine:
    """The engine called ``name`` if it has an account; Http404 otherwise."""
    if name not in ENGINE_NAMES or get_engine(name).account is None:
        raise Http404("No such engine account.")
    return get_engine(name)


def job_cost(*, engine: Engine, seconds: float, preview: bool, model: str, stems_mode: str, options: dict) -> float:
    """Minutes the service bills for a job of a track of ``seconds`` (a preview: its excerpt)."""
    billed = min(seconds, PREVIEW_SECONDS) if preview else seconds
    return engine.account.cost_minutes(seconds=billed, model=model, stems_mode=stems_mode, options=options)


def job_cost_for(
    *, user: AbstractBaseUser, engine: Engine, track: Track, preview: bool, model: str = "", stems: str = ""
) -> float:
    """What a job of ``track`` on ``engine`` would cost, with the user's settings for what is not given.
    Raises EngineRejectedInput for choices the engine refuses."""
    defaults = separation_defaults(user=user, engine=engine.name)
    cost = job_cost(
        engine=engine,
        seconds=track.duration_seconds,
        preview=preview,
        model=model or defaults["model"],
        stems_mode=stems or defaults["stems_mode"],
        options=separation_options(user=user, engine=engine.name),
    )
    return round(cost, 2)


def used_minutes(*, user: AbstractBaseUser, engine: Engine) -> float:
    """What the user's completed jobs on ``engine`` cost, priced as the service bills them."""
    jobs = ProcessingJob.objects.filter(user=user, engine=engine.name, status=JobStatus.COMPLETED).values_list(
        "track__duration_seconds", "preview", "model", "stems_mode", "options"
    )
    used = 0.0
    for seconds, preview, model, stems_mode, options in jobs:
        try:
            used += job_cost(
                engine=engine, seconds=seconds, preview=preview, model=model, stems_mode=stems_mode, options=options
            )
        except EngineError:  # choices the engine's rules have refused since: left out, and said so
            logger.warning("Cannot price a completed %s job (%s, %s)", engine.name, model, options)
    return used


def account_quota(*, user: AbstractBaseUser, engine: Engine) -> dict[str, float | None]:
    """Minutes used here, left at the service, and their sum.

    Minutes left on the installation's own account (a user without a key of their
    own) are the operator's business: staff see them, others get None. The
    service's answer is cached for QUOTA_CACHE_SECONDS per key.

    Raises EngineAuthError when neither the user nor the installation has a key,
    the user's saved key is unreadable, or the service refuses the key; other
    EngineErrors when the service cannot answer.
    """
    key = engine_secret(user=user, engine=engine.name)
    used = used_minutes(user=user, engine=engine)
    if key is None and not user.is_staff and engine.account.has_installation_credentials:
        return {"quota_minutes": None, "used_minutes": round(used, 2), "remaining_minutes": None}
    remaining = _minutes_left(engine, key)
    return {
        "quota_minutes": round(used + remaining, 2),
        "used_minutes": round(used, 2),
        "remaining_minutes": round(remaining, 2),
    }


def _cache_key(engine_name: str, key: str | None) -> str:
    return "account-minutes:" + hashlib.sha256(f"{engine_name}\0{key or ''}".encode()).hexdigest()[:32]


def _minutes_left(engine: Engine, key: str | None) -> float:
    """The service's answer, at most QUOTA_CACHE_SECONDS old (straight from it when the cache is down)."""
    try:
        cached = cache.get(_cache_key(engine.name, key))
    except RedisError:
        return engine.account.minutes_left(key)
    if cached is None:
        cached = engine.account.minutes_left(key)
        with contextlib.suppress(RedisError):
            cache.set(_cache_key(engine.name, key), cached, QUOTA_CACHE_SECONDS)
    return cached


def minutes_forget(*, engine_name: str, key: str | None) -> None:
    """Drop the cached minutes left of a key whose job just ended: the next answer comes from
    the service, so used + left (the quota) stays the same from call to call."""
    with contextlib.suppress(RedisError):
        cache.delete(_cache_key(engine_name, key))


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
