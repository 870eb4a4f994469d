"""No job is left queued or running with nobody working on it: the broker down at
creation, lost task messages, a database that stops answering mid-job."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import OperationalError
from django.utils import timezone

from jobs import dispatch, execution, services, sweep
from jobs.models import JobStatus, ProcessingJob
from tests.jobs.conftest import FAST_MODEL, SLOW_MODEL, job_status, wait_for


@pytest.fixture
def redis_stopped(redis_server):
    """The test Redis stopped for the test's body; started again after it."""
    redis_server.stop()
    yield
    redis_server.start()


def test_with_the_broker_down_a_new_job_answers_503_and_is_not_left_queued(
    transactional_db, api, user, make_track, redis_server
):
    track = make_track(user)
    redis_server.stop()
    try:
        started = time.monotonic()
        answer = api.post("/api/jobs/", {"track": str(track.id), "engine": "local", "model": FAST_MODEL}, format="json")
        took = time.monotonic() - started
    finally:
        redis_server.start()
    assert answer.status_code == 503
    assert answer.json()["detail"] == dispatch.QUEUE_DOWN_MESSAGE
    assert answer["Retry-After"]
    assert took < 10, "the refusal waited on the broker"
    job = ProcessingJob.objects.get(user=user)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "queue_unavailable")
    retry = api.post("/api/jobs/", {"track": str(track.id), "engine": "local", "model": FAST_MODEL}, format="json")
    assert retry.status_code == 201, "the failed attempt neither counts nor is handed back"


def test_recovery_resends_a_job_whose_message_was_lost_and_survives_the_broker_going_away(
    start_worker, user, make_track, redis_server, redis_url
):
    worker = start_worker(JOB_RESEND_SECONDS="2")
    job = services.job_create(user=user, track=make_track(user), engine="local", model=FAST_MODEL)
    sent = ProcessingJob.objects.get(pk=job.pk).sent_at
    assert sent is not None
    wait_for(lambda: job_status(job) == "completed", 120, message="a normal job")
    # Its message acknowledged first: kombu's worker dies if the broker goes away mid-ack
    # (celery/kombu#970-like); compose restarts a worker that dies.
    wait_for(lambda: "succeeded in" in worker.log(), 30, message="the task's acknowledgement")
    redis_server.stop()  # the recovery loop meets the broker's errors for a while
    time.sleep(6)
    redis_server.start()
    redis.Redis.from_url(redis_url).ping()
    lost = ProcessingJob.objects.create(
        track=make_track(user, seed=4), user=user, engine="local", model=FAST_MODEL, celery_task_id=uuid.uuid4().hex
    )
    ProcessingJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    try:
        wait_for(lambda: job_status(lost) == "completed", 120, message="the job no message announced")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log()[-4000:]}") from exc
    assert "Exception in thread job-recovery" not in worker.log()
    assert lost.attempts == 1


def test_a_job_queued_again_while_the_broker_is_down_is_sent_once_it_is_back(db, user, make_track, redis_server):
    job = services.job_create(user=user, track=make_track(user), engine="local", model=FAST_MODEL)
    ProcessingJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    redis_server.stop()
    try:
        with pytest.raises(dispatch.JobQueueUnavailable):
            dispatch.jobs_resend()
    finally:
        redis_server.start()
    assert dispatch.jobs_resend() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.sent_at is not None
    assert dispatch.jobs_resend() == 0, "a job just sent is not sent again"


def test_a_watcher_without_a_database_stops_its_engine_before_a_second_run_could_start(
    transactional_db, user, make_track, settings, monkeypatch, local_engine_here
):
    settings.JOB_STALE_SECONDS = 8
    job = ProcessingJob.objects.create(
        track=make_track(user, seconds=20.0), user=user, engine="local", model=SLOW_MODEL, celery_task_id="x"
    )
    database_gone = threading.Event()
    beat = services.job_heartbeat

    def heartbeat(*, job):
        if database_gone.is_set():
            raise OperationalError("server closed the connection unexpectedly")
        return beat(job=job)

    monkeypatch.setattr(services, "job_heartbeat", heartbeat)
    run = threading.Thread(target=execution.job_execute, kwargs={"job_id": job.id})
    run.start()
    wait_for(lambda: job_status(job) == "running" and job.progress >= 10, 120, message="the job separating")
    database_gone.set()
    lost_at = time.monotonic()
    run.join(60)
    assert not run.is_alive()
    stopped_after = time.monotonic() - lost_at
    assert stopped_after < settings.JOB_STALE_SECONDS, f"the engine ran on {stopped_after:.1f} s without a database"
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.stems.exists(), "the lost run wrote nothing"
    assert not list(settings.SCRATCH_DIR.glob(f".work-{job.id}-*")), "its work folder went with it"
    ProcessingJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=9))
    assert services.jobs_recover_stale() == 1
    assert job_status(job) == JobStatus.QUEUED, "recovery hands it to the next run"


def test_each_attempt_has_its_own_work_folder(db, user, make_track):
    job = ProcessingJob.objects.create(track=make_track(user), user=user, engine="local", model="x", attempts=1)
    first = job.work_folder
    job.attempts = 2
    assert job.work_folder != first and job.work_folder.startswith(f".work-{job.id}")


def test_the_sweep_takes_old_orphans_and_nothing_in_use(db, user, make_track, settings, stored):
    """Admin deletes cascade rows, not files; killed workers and uploads leave files and folders."""
    kept_track = make_track(user)
    running = ProcessingJob.objects.create(
        track=kept_track, user=user, engine="local", model="x", status=JobStatus.RUNNING, attempts=2
    )
    done = ProcessingJob.objects.create(track=kept_track, user=user, engine="local", model="x", status="completed")
    in_storage = {
        f"tracks/{uuid.uuid4()}": True,  # its track was deleted in the admin
        f"stems/{uuid.uuid4()}": True,  # its job went with its user
        f"stems/.work-{done.id}-1": True,  # where work folders were before SCRATCH_DIR
        kept_track.folder: False,
        f"stems/{done.id}": False,
    }
    for folder in in_storage:
        stored.write(f"{folder}/file.wav", b"x")
    scratch = settings.SCRATCH_DIR
    on_this_machine = {
        Path(settings.FILE_UPLOAD_TEMP_DIR) / "upload-of-a-killed-server.upload": True,
        scratch / f".work-{running.id}-1": True,  # the first attempt's, its worker dead
        scratch / f".work-{done.id}-1": True,
        scratch / "tmp-copy-of-a-killed-analysis": True,
        scratch / f".work-{running.id}-2": False,  # the attempt running now
    }
    for path in on_this_machine:
        if path.parent == scratch:
            path.mkdir(parents=True)
        else:
            path.write_bytes(b"x")
    assert sweep.stored_orphans_sweep() + sweep.local_orphans_sweep() == [], "nothing young is touched"
    settings.ORPHAN_AGE_SECONDS = 0  # everything is old now
    expected = [folder for folder, orphan in in_storage.items() if orphan]
    expected += [str(path) for path, orphan in on_this_machine.items() if orphan]
    assert sorted(sweep.stored_orphans_sweep() + sweep.local_orphans_sweep()) == sorted(expected)
    assert [folder for folder in in_storage if stored.names(folder)] == [
        folder for folder, orphan in in_storage.items() if not orphan
    ]
    assert [path for path in on_this_machine if path.exists()] == [
        path for path, orphan in on_this_machine.items() if not orphan
    ]


def test_the_shared_storage_is_swept_by_a_task_on_the_small_tasks_queue(start_worker, stored, user, make_track):
    """Any worker's recovery thread asks for the sweep of the storage all machines share; a
    worker serving only the small-tasks queue does it."""
    kept = make_track(user)
    orphan = f"stems/{uuid.uuid4()}"
    stored.write(f"{orphan}/vocals.wav", b"x")
    start_worker(queues="tasks", ORPHAN_AGE_SECONDS="0")
    dispatch.storage_sweep_send()
    wait_for(lambda: not stored.names(f"{orphan}/"), 30, message="the orphaned stems swept")
    assert stored.names(f"{kept.folder}/"), "a track's own files stay"
