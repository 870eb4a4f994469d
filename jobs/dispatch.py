"""Handing jobs' tasks to the broker, and sending again those it may not have.

The job row is the durable record; a task message only says "run this job". A
message can be missing: the broker was down when the job was created or queued
again, the process died between the commit and the send, the broker lost its
data, or a worker took the message and then could not reach the database.
Sending one again is safe: ``job_claim`` runs a job only while it is queued (or
running with a dead worker), so a second message for it finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from audio.engines.registry import get_engine
from jobs.models import JobStatus, ProcessingJob

logger = logging.getLogger(__name__)
RUN_TASK = "jobs.run_separation"
SWEEP_TASK = "jobs.sweep_storage"
QUEUE_DOWN_MESSAGE = "The job queue is not answering right now, so the separation could not start; try again shortly."
# A job committed this recently may still be on its way to the broker.
SEND_GRACE_SECONDS = 10


class JobQueueUnavailable(Exception):
    """The broker did not take the job's task; ``message`` is for the user."""

    def __init__(self, message: str = QUEUE_DOWN_MESSAGE):
        super().__init__(message)
        self.message = message


def job_queue(engine: str) -> str:
    """The queue of a job on ``engine``: one for separations here, one for those of a cloud service."""
    return settings.JOB_QUEUES["remote" if get_engine(engine).remote else "local"]


def job_send(*, job: ProcessingJob) -> None:
    """Hand the job's task to the broker, on its engine's queue, and record when. Raises
    JobQueueUnavailable."""
    try:
        current_app.send_task(RUN_TASK, args=[str(job.id)], task_id=job.celery_task_id, queue=job_queue(job.engine))
    except OperationalError as exc:  # kombu's word for "the broker cannot be reached"
        logger.warning("The broker did not take job %s: %s", job.id, exc)
        raise JobQueueUnavailable() from exc
    ProcessingJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(sent_at=timezone.now())


def storage_sweep_send() -> None:
    """Ask for a sweep of the shared storage, on Celery's default queue (small tasks). Raises
    JobQueueUnavailable."""
    try:
        current_app.send_task(SWEEP_TASK)
    except OperationalError as exc:
        raise JobQueueUnavailable() from exc


def jobs_resend() -> int:
    """Send again each queued job never sent, or last sent JOB_RESEND_SECONDS ago or more.

    Returns how many were sent; raises JobQueueUnavailable when the broker is down
    (the rest wait for the next round).
    """
    now = timezone.now()
    stranded = ProcessingJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(sent_at__isnull=True, created_at__lt=now - timedelta(seconds=SEND_GRACE_SECONDS))
        | Q(sent_at__lt=now - timedelta(seconds=settings.JOB_RESEND_SECONDS))
    )
    sent = 0
    for job in stranded.order_by("created_at"):
        job_send(job=job)
        sent += 1
        logger.info("Sent queued job %s to the broker again", job.id)
    return sent
