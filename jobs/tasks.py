"""Celery tasks: thin wrappers that take ids and call jobs.execution (or the sweep)."""

from celery import shared_task

from jobs.dispatch import RUN_TASK, SWEEP_TASK
from jobs.execution import job_execute
from jobs.sweep import stored_orphans_sweep


@shared_task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_separation(job_id: str) -> None:
    """Separate one job; idempotent (a job that is no longer runnable is skipped)."""
    job_execute(job_id=job_id)


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_storage() -> None:
    """Remove stored folders nothing refers to; idempotent (a second sweep finds nothing)."""
    stored_orphans_sweep()
