"""What happens to jobs when workers die, Redis restarts, or many jobs compete."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs import services
from jobs.models import JobStatus, ProcessingJob
from tests.jobs.conftest import FAST_MODEL, SLOW_MODEL, job_status, wait_for
from tests.jobs.test_pipeline import STEPS, run_with_sockets


def test_a_worker_killed_mid_job_does_not_leave_it_running(start_worker, user, make_track):
    first = start_worker()
    slow = services.job_create(user=user, track=make_track(user, seconds=12.0), engine="local", model=SLOW_MODEL)
    wait_for(lambda: job_status(slow) == "running" and slow.progress >= 10, 120, message="slow job running")
    queued = [
        services.job_create(user=user, track=make_track(user, seed=seed), engine="local", model=FAST_MODEL)
        for seed in (1, 2)
    ]
    first.kill()
    assert job_status(slow) == "running"  # as the dead worker left it
    start_worker()
    wait_for(lambda: all(job_status(job) == "completed" for job in queued), 120, message="rest of the queue")
    wait_for(lambda: job_status(slow) in ("completed", "failed"), 180, message="killed job recovered")
    slow.refresh_from_db()
    assert slow.attempts == 2, "retried once on the new worker"
    assert slow.status == "completed" or "stopped" in slow.error_message


def test_a_job_whose_worker_dies_twice_is_failed_with_a_message(start_worker, user, make_track):
    job = services.job_create(user=user, track=make_track(user), engine="local", model=FAST_MODEL)
    # As two dead workers would leave it: running, second attempt, silent for a while.
    ProcessingJob.objects.filter(pk=job.pk).update(
        status="running", attempts=2, heartbeat_at=job.created_at - timedelta(minutes=5)
    )
    start_worker()
    wait_for(lambda: job_status(job) == "failed", 30)
    assert job.error_message == "The worker running this job stopped twice, so it was given up."


def test_queued_jobs_survive_a_redis_restart(start_worker, user, make_track, redis_server):
    jobs = [
        services.job_create(user=user, track=make_track(user, seed=seed), engine="local", model=FAST_MODEL)
        for seed in range(3)
    ]
    redis_server.stop()
    redis_server.start()
    start_worker()
    wait_for(lambda: all(job_status(job) == "completed" for job in jobs), 120)
    assert [job.attempts for job in jobs] == [1, 1, 1], "each job ran exactly once"


def test_six_jobs_of_two_users(start_worker, make_user, make_track):
    alice, bob = make_user("alice"), make_user("bob")
    start_worker()
    tracks = {user: [make_track(user, seed=seed + 10 * n) for seed in range(3)] for n, user in enumerate((alice, bob))}
    created: list[ProcessingJob] = []

    def create_all():
        for index in range(3):
            for user in (alice, bob):
                created.append(
                    services.job_create(user=user, track=tracks[user][index], engine="local", model=FAST_MODEL)
                )

    def all_done():
        return len(created) == 6 and all(job_status(job) == "completed" for job in created)

    logs = dict(zip((alice, bob), run_with_sockets([alice, bob], create_all, all_done, timeout=240)))
    for user, log in logs.items():
        own = {str(job.id) for job in created if job.user_id == user.pk}
        assert log.job_ids() == own, "a user's socket carries exactly that user's jobs"
        for job in created:
            if job.user_id == user.pk:
                assert log.progress(job) == STEPS
    intervals = sorted((job.started_at, job.finished_at) for job in ProcessingJob.objects.all())
    most = max(sum(1 for start, end in intervals if start <= moment < end) for moment, _ in intervals)
    assert most <= 2, f"{most} jobs ran at once with concurrency 2"


def test_jobs_over_the_limit_wait_and_those_over_the_waiting_bound_are_refused_in_words(db, user, make_track, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER, settings.MAX_WAITING_JOBS_PER_USER = 3, 1
    for seed in range(3):
        services.job_create(user=user, track=make_track(user, seed=seed), engine="local", model=FAST_MODEL)
    waiting = services.job_create(user=user, track=make_track(user, seed=8), engine="local", model=FAST_MODEL)
    assert waiting.status == JobStatus.WAITING
    with pytest.raises(services.JobLimitReached, match="You already have 1 separations waiting their turn"):
        services.job_create(user=user, track=make_track(user, seed=9), engine="local", model=FAST_MODEL)
