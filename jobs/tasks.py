"""Celery tasks: thin wrappers that take ids and call jobs.execution."""

from celery import shared_task

from jobs.dispatch import RUN_TASK
from jobs.execution import job_execute


@shared_task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_separation(job_id: str) -> None:
    """Separate one job; idempotent (a job that is no longer runnable is skipped)."""
    job_execute(job_id=job_id)
