"""Celery tasks of the track library: thin wrappers that take ids and call audio.services."""

from celery import shared_task

from audio.services import ANALYSE_TASK, track_analyse


# A worker lost mid-analysis does not get the message again (reject_on_worker_lost off): a
# file that kills the analysis would otherwise kill every worker; the next start sends it once more.
@shared_task(name=ANALYSE_TASK, acks_late=True, reject_on_worker_lost=False, ignore_result=True)
def analyse_track(track_id: str) -> None:
    """Measure one track's tempo and key; idempotent (an analysed track is skipped)."""
    track_analyse(track_id=track_id)
