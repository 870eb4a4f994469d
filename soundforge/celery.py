import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundforge.settings")

app = Celery("soundforge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _recover_jobs_of_dead_workers(**_kwargs) -> None:
    from jobs.recovery import start_recovery_thread

    start_recovery_thread()


@worker_ready.connect
def _analyse_tracks_never_analysed(**_kwargs) -> None:
    from audio.services import tracks_analysis_backfill

    tracks_analysis_backfill()
