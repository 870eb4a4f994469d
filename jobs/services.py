"""Writes to processing jobs: create, cancel, and the state changes of a run."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone

from audio.engines.base import OUTPUT_FORMATS, STEMS_MODES, EngineError, SeparationResult
from audio.engines.registry import get_engine
from audio.finishing import SAMPLE_RATES
from audio.models import Track
from audio.storage import StorageFailed
from jobs import progress
from jobs.dispatch import JobQueueUnavailable, job_send
from jobs.models import ACTIVE_STATUSES, UNDER_WAY_STATUSES, JobStatus, ProcessingJob
from jobs.preview import PREVIEW_SECONDS
from jobs.stems import jobs_delete, stems_discard, stems_draw, stems_record, stems_upload
from jobs.storage import storage_full_message, storage_room
from preferences.services import model_states

logger = logging.getLogger(__name__)
BATCH_MAX_TRACKS = 200  # tracks one batch request may separate
MAX_ATTEMPTS = 2  # the first run and one retry after a worker died
# "/srv/x/uploads/stems/.work-1/vocals.wav" (not "m4a/aac", not the path of a URL): group 1 is the file name.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\":,;()]+/)+([^\s/'\":,;()]*)")


class JobRejected(Exception):
    """The job cannot be created as asked; ``message`` is for the user, ``field`` names
    the choice that was refused."""

    def __init__(self, message: str, field: str = "non_field_errors"):
        super().__init__(message)
        self.message = message
        self.field = field


class JobLimitReached(JobRejected):
    """The user is at a limit: MAX_WAITING_JOBS_PER_USER jobs waiting their turn, or no storage left."""


def _validate(*, user, engine: str, model: str, stems_mode: str, output_format: str, sample_rate: int) -> None:
    try:
        models = get_engine(engine).models()
    except EngineError as exc:
        raise JobRejected(exc.message, "engine") from exc
    if model not in models:
        raise JobRejected(f"The {engine} engine has no model {model!r}; choose one of: {', '.join(models)}.", "model")
    states = model_states(user=user, engine=engine)
    if not states[model].usable:
        ready = [name for name, state in states.items() if state.ready]
        instead = f"; ready here: {', '.join(ready)}" if ready else ""
        raise JobRejected(f"{model} cannot run: {states[model].note}{instead}.", "model")
    if stems_mode not in STEMS_MODES:
        raise JobRejected(f"Unknown stems mode {stems_mode!r}; choose one of: {', '.join(STEMS_MODES)}.", "stems")
    if output_format not in OUTPUT_FORMATS:
        raise JobRejected(
            f"Unknown output format {output_format!r}; choose one of: {', '.join(OUTPUT_FORMATS)}.", "output_format"
        )
    if sample_rate not in SAMPLE_RATES:
        raise JobRejected(f"The sample rate must be one of {', '.join(map(str, SAMPLE_RATES))} Hz.", "sample_rate")


def _send_new(job: ProcessingJob) -> None:
    """Send a new job; if the broker does not take it, it ends failed instead of waiting unseen."""
    try:
        job_send(job=job)
    except JobQueueUnavailable as exc:
        ProcessingJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            error_message=exc.message,
            error_code="queue_unavailable",
            finished_at=timezone.now(),
        )
        raise


def job_create(
    *,
    user,
    track: Track,
    engine: str,
    model: str,
    stems_mode: str = "all",
    output_format: str = "wav",
    preview: bool = False,
    sample_rate: int = SAMPLE_RATES[0],
    normalise: bool = False,
    options: dict | None = None,
) -> ProcessingJob:
    """Queue a separation of ``track``; an identical job done or under way is returned instead.
    A preview of a track no longer than PREVIEW_SECONDS is made a full run.

    Beyond MAX_ACTIVE_JOBS_PER_USER jobs queued or running, a new job waits its turn
    (status waiting, not sent) until one of them ends. Raises JobRejected for bad
    choices, JobLimitReached when the user's storage is full or MAX_WAITING_JOBS_PER_USER
    jobs already wait, JobQueueUnavailable when the broker does not take it (the job is
    then failed, and counts no more).
    """
    _validate(
        user=user,
        engine=engine,
        model=model,
        stems_mode=stems_mode,
        output_format=output_format,
        sample_rate=sample_rate,
    )
    # A preview of a track no longer than a preview is the full run: one job, not the same work twice.
    preview = preview and track.duration_seconds > PREVIEW_SECONDS
    spec = {
        "track": track,
        "user": user,
        "engine": engine,
        "model": model,
        "stems_mode": stems_mode,
        "output_format": output_format,
        "preview": preview,
        "sample_rate": sample_rate,
        "normalise": normalise,
        "options": options or {},
    }
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)  # one creator at a time per user
        same = ProcessingJob.objects.filter(**spec, status__in=(*ACTIVE_STATUSES, JobStatus.COMPLETED)).first()
        if same is not None:
            return same
        if storage_room(user=user) == 0:
            raise JobLimitReached(storage_full_message(user=user))
        if _under_way(user_id=user.pk) < settings.MAX_ACTIVE_JOBS_PER_USER:
            job = ProcessingJob.objects.create(**spec, celery_task_id=uuid.uuid4().hex)
            transaction.on_commit(lambda: _send_new(job))
        else:
            waiting = ProcessingJob.objects.filter(user=user, status=JobStatus.WAITING).count()
            if waiting >= settings.MAX_WAITING_JOBS_PER_USER:
                raise JobLimitReached(
                    f"You already have {waiting} separations waiting their turn; "
                    "wait for some to finish or cancel some."
                )
            job = ProcessingJob.objects.create(**spec, status=JobStatus.WAITING, celery_task_id=uuid.uuid4().hex)
            transaction.on_commit(lambda: progress.send_status(job))
    logger.info("Job %s (%s/%s) for track %s: %s", job.id, engine, model, track.id, job.status)
    return job


def jobs_create_batch(*, user, tracks: list[Track], **choices) -> tuple[list[ProcessingJob], dict[str, str]]:
    """``job_create`` for each track with the same choices; returns the jobs and, per track id,
    why none was made (a limit reached). Raises JobRejected for choices no track could take,
    JobQueueUnavailable when the broker is down (the jobs made before stay)."""
    jobs, refused = [], {}
    for track in tracks:
        try:
            jobs.append(job_create(user=user, track=track, **choices))
        except JobLimitReached as exc:
            refused[str(track.id)] = exc.message
    return jobs, refused


def _under_way(*, user_id) -> int:
    return ProcessingJob.objects.filter(user_id=user_id, status__in=UNDER_WAY_STATUSES).count()


def jobs_start_waiting(*, user_id) -> int:
    """Send the user's oldest waiting jobs to the workers while they have free slots
    (MAX_ACTIVE_JOBS_PER_USER); returns how many. Called when a job ends, and by recovery."""
    with transaction.atomic():
        if get_user_model().objects.select_for_update().filter(pk=user_id).first() is None:
            return 0
        free = settings.MAX_ACTIVE_JOBS_PER_USER - _under_way(user_id=user_id)
        if free <= 0:
            return 0
        chosen = list(
            ProcessingJob.objects.filter(user_id=user_id, status=JobStatus.WAITING).order_by("created_at")[:free]
        )
        ProcessingJob.objects.filter(pk__in=[job.pk for job in chosen]).update(status=JobStatus.QUEUED)
        for job in chosen:
            job.status = JobStatus.QUEUED
            transaction.on_commit(lambda job=job: _send_started(job))
    return len(chosen)


def jobs_start_all_waiting() -> int:
    """``jobs_start_waiting`` for every user with a job waiting (recovery's chore)."""
    users = ProcessingJob.objects.filter(status=JobStatus.WAITING).values_list("user_id", flat=True).distinct()
    return sum(jobs_start_waiting(user_id=user_id) for user_id in users)


def _send_started(job: ProcessingJob) -> None:
    progress.send_status(job)
    try:
        job_send(job=job)
    except JobQueueUnavailable:
        logger.warning("Job %s waited its turn but the broker is down; recovery sends it later", job.id)
    else:
        logger.info("Job %s waited its turn and is queued", job.id)


def _job_ended(job: ProcessingJob) -> None:
    """A slot of the job's user may be free: the next waiting job goes (after the commit, at once
    outside a transaction). A failure here never fails the job that ended: recovery's loop
    starts the next one instead."""

    def start_next() -> None:
        try:
            jobs_start_waiting(user_id=job.user_id)
        except DatabaseError:
            logger.warning("Could not start the next waiting job of user %s; recovery will", job.user_id)

    transaction.on_commit(start_next)


def job_delete(*, job: ProcessingJob) -> None:
    """Delete one separation with its stems and files; a running one notices and stops, every
    open page of its owner hears of it, and a job waiting its turn may start."""
    with transaction.atomic():
        jobs_delete(jobs=[job])
        transaction.on_commit(lambda: progress.send_deleted(job))
        _job_ended(job)


def job_cancel(*, job: ProcessingJob, by: str = "the user") -> bool:
    """Cancel a waiting, queued or running job; returns False if it had already ended. ``job`` is
    refreshed either way, so it shows the state it ended in.

    A running job notices within a second (jobs.execution) and stops its engine.
    """
    cancelled = ProcessingJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
        status=JobStatus.CANCELLED, error_message=f"Cancelled by {by}.", finished_at=timezone.now()
    )
    job.refresh_from_db()
    if cancelled:
        progress.send_status(job)
        logger.info("Cancelled job %s", job.id)
        _job_ended(job)
    return bool(cancelled)


def job_claim(*, job_id) -> ProcessingJob | None:
    """Mark the job running for this worker, or None when it is not ours to run.

    A job found `running` with a stale heartbeat was left by a worker that died
    (its message came back): it is taken over once, then failed.
    """
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in UNDER_WAY_STATUSES:
            return None
        if job.status == JobStatus.RUNNING and not _is_stale(job):
            return None  # another worker is on it
        if job.attempts >= MAX_ATTEMPTS:
            _fail_locked(job, "The worker running this job stopped twice, so it was given up.", "worker_lost")
            return None
        job.status, job.progress, job.attempts = JobStatus.RUNNING, 0, job.attempts + 1
        job.started_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "progress", "attempts", "started_at", "heartbeat_at"])
    progress.send_status(job)
    return job


def _is_stale(job: ProcessingJob) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    return job.heartbeat_at is None or job.heartbeat_at < cutoff


def job_heartbeat(*, job: ProcessingJob) -> bool:
    """Record that the job's worker is alive; False when it should stop (cancelled, deleted)."""
    return bool(ProcessingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now()))


def job_set_progress(*, job: ProcessingJob, percent: int) -> None:
    if ProcessingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=percent):
        job.progress = percent
        progress.send_progress(job, percent)


class StemsNotStored(EngineError):
    """The storage did not take the stems (the bucket refused them or could not be reached)."""

    code = "storage"


def job_complete(*, job: ProcessingJob, result: SeparationResult, original: Path) -> bool:
    """Store the stems (``result``'s files and the ``original`` they came from are on this
    machine) and mark the job completed; False if it was cancelled or deleted meanwhile.

    Raises StemsNotStored; nothing of the stems is kept then.
    """
    stems_draw(job=job, files=result.stems, original=original, levels=result.levels)  # outside the transaction
    try:
        stems = stems_upload(job=job, files=result.stems)
    except StorageFailed as exc:
        logger.error("Job %s: %s", job.id, exc)
        stems_discard(job=job)
        raise StemsNotStored("The separated stems could not be saved to storage; try the separation again.") from exc
    try:
        with transaction.atomic():
            locked = ProcessingJob.objects.select_for_update().filter(pk=job.pk, status=JobStatus.RUNNING).first()
            if locked is not None:
                stems_record(stems=stems)
                locked.status, locked.progress, locked.finished_at = JobStatus.COMPLETED, 100, timezone.now()
                locked.result_meta = result.meta
                locked.save(update_fields=["status", "progress", "finished_at", "result_meta"])
    except BaseException:
        stems_discard(job=job)
        raise
    if locked is None:
        stems_discard(job=job)  # the stems and waveforms stored for it
        return False
    progress.send_status(locked)
    _job_ended(job)
    logger.info("Completed job %s", job.id)
    return True


def job_fail(*, job: ProcessingJob, message: str, code: str) -> None:
    with transaction.atomic():
        locked = ProcessingJob.objects.select_for_update().filter(pk=job.pk, status=JobStatus.RUNNING).first()
        if locked is not None:
            _fail_locked(locked, message, code)


def without_paths(message: str) -> str:
    """``message`` with each absolute path cut to its file name: users read it, the log keeps it whole."""
    return ABSOLUTE_PATH.sub(lambda found: found.group(1) or "a folder", message)


def _fail_locked(job: ProcessingJob, message: str, code: str) -> None:
    job.status, job.error_message, job.error_code = JobStatus.FAILED, without_paths(message), code
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_message", "error_code", "finished_at"])
    transaction.on_commit(lambda: progress.send_status(job))
    _job_ended(job)
    logger.warning("Job %s failed (%s): %s", job.id, code, message)


def jobs_recover_stale() -> int:
    """Queue again running jobs whose worker stopped reporting (once), or fail them; the
    queued ones are sent by jobs.dispatch.jobs_resend.

    Returns how many were recovered. Safe to run from several workers at once.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    recovered = 0
    for job in ProcessingJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff):
        with transaction.atomic():
            locked = (
                ProcessingJob.objects.select_for_update()
                .filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
                .first()
            )
            if locked is None:
                continue
            recovered += 1
            if locked.attempts >= MAX_ATTEMPTS:
                _fail_locked(locked, "The worker running this job stopped twice, so it was given up.", "worker_lost")
                continue
            locked.status, locked.progress, locked.sent_at = JobStatus.QUEUED, 0, None
            locked.save(update_fields=["status", "progress", "sent_at"])
            logger.warning("Job %s lost its worker; queued again", locked.id)
            transaction.on_commit(lambda job=locked: progress.send_status(job))
    return recovered
