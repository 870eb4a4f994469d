"""Celery tasks of the track library: thin wrappers that take ids and call audio.services."""

from celery import shared_task

from audio.services import ANALYSE_TASK, track_analyse


@shared_task(name=ANALYSE_TASK, acks_late=True, ignore_result=True)
def analyse_track(track_id: str) -> None:
    """Measure one track's tempo and key; idempotent (an analysed track is skipped)."""
    track_analyse(track_id=track_id)
