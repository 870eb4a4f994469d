"""Batch separation, and jobs beyond the per-user limit waiting their turn instead of
being refused: with the real Celery worker, its recovery loop included."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from audio.models import Track
from jobs import dispatch, services
from jobs.models import JobStatus, ProcessingJob
from tests.jobs.conftest import FAST_MODEL, SLOW_MODEL, wait_for


def batch(api, body: dict):
    return api.post("/api/jobs/batch/", {"engine": "local", **body}, format="json")


def test_a_batch_beyond_the_limit_waits_its_turn_and_runs_in_order(start_worker, api, user, make_track, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    start_worker(MAX_ACTIVE_JOBS_PER_USER="1")
    tracks = [make_track(user, seconds=1.0, seed=seed) for seed in range(3)]
    answer = batch(api, {"tracks": [str(track.id) for track in tracks], "model": FAST_MODEL})
    assert answer.status_code == 201 and answer.json()["refused"] == {}
    jobs = answer.json()["jobs"]
    assert [job["track_id"] for job in jobs] == [str(track.id) for track in tracks]
    assert [job["status"] for job in jobs] == ["queued", "waiting", "waiting"]
    assert [job["queue_position"] for job in jobs] == [None, 1, 2]
    waiting = ProcessingJob.objects.filter(status=JobStatus.WAITING)
    assert all(job.sent_at is None for job in waiting), "a waiting job is not sent to the workers"

    rows = [ProcessingJob.objects.get(pk=job["id"]) for job in jobs]
    wait_for(lambda: all(ProcessingJob.objects.get(pk=row.pk).status == "completed" for row in rows), 180)
    runs = [ProcessingJob.objects.get(pk=row.pk) for row in rows]
    for before, after in itertools.pairwise(runs):
        assert before.finished_at <= after.started_at, "one at a time: each waited for the one before"


def test_recovery_neither_resends_nor_counts_waiting_jobs_and_starts_one_whose_turn_came(
    start_worker, user, make_track, settings
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    first = services.job_create(user=user, track=make_track(user, seed=1), engine="local", model=SLOW_MODEL)
    second = services.job_create(user=user, track=make_track(user, seed=2), engine="local", model=FAST_MODEL)
    assert (second.status, second.sent_at) == (JobStatus.WAITING, None)
    ProcessingJob.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert dispatch.jobs_resend() == 0, "the waiting job is not taken for a lost message"
    assert ProcessingJob.objects.get(pk=second.pk).status == JobStatus.WAITING

    # The first ends while nothing hears of it (no worker yet): the recovery loop of the
    # worker started now gives the second its turn.
    ProcessingJob.objects.filter(pk=first.pk).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
    start_worker(MAX_ACTIVE_JOBS_PER_USER="1")
    wait_for(lambda: ProcessingJob.objects.get(pk=second.pk).status == "completed", 120, message="the second's turn")


def test_cancelling_a_job_gives_the_next_one_its_turn_at_once(
    db, user, make_track, settings, django_capture_on_commit_callbacks
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    first = services.job_create(user=user, track=make_track(user, seed=1), engine="local", model=FAST_MODEL)
    second = services.job_create(user=user, track=make_track(user, seed=2), engine="local", model=FAST_MODEL)
    third = services.job_create(user=user, track=make_track(user, seed=3), engine="local", model=FAST_MODEL)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_cancel(job=first)
    statuses = {job.pk: ProcessingJob.objects.get(pk=job.pk).status for job in (second, third)}
    assert statuses == {second.pk: JobStatus.QUEUED, third.pk: JobStatus.WAITING}
    assert ProcessingJob.objects.get(pk=second.pk).sent_at is not None
    services.job_cancel(job=third)  # a waiting job can be cancelled too
    assert ProcessingJob.objects.get(pk=third.pk).status == JobStatus.CANCELLED


def test_waiting_is_bounded_and_the_rest_of_a_batch_is_refused_in_words(api, user, make_track, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER, settings.MAX_WAITING_JOBS_PER_USER = 1, 2
    tracks = [make_track(user, seconds=1.0, seed=seed) for seed in range(5)]
    answer = batch(api, {"tracks": [str(track.id) for track in tracks], "model": FAST_MODEL})
    assert answer.status_code == 201
    assert [job["status"] for job in answer.json()["jobs"]] == ["queued", "waiting", "waiting"]
    refused = answer.json()["refused"]
    assert set(refused) == {str(tracks[3].id), str(tracks[4].id)}
    assert "2 separations waiting their turn" in refused[str(tracks[3].id)]


def test_all_tracks_matching_a_search(api, user, make_track):
    for seed, title in enumerate(["Blue Monday", "Bizarre Love Triangle", "Around the World"]):
        track = make_track(user, seconds=1.0, seed=seed)
        Track.objects.filter(pk=track.pk).update(title=title)
    answer = batch(api, {"all_matching": {"q": "b"}, "model": FAST_MODEL, "stems": "two"})
    assert answer.status_code == 201
    titles = sorted(Track.objects.get(pk=job["track_id"]).title for job in answer.json()["jobs"])
    assert titles == ["Bizarre Love Triangle", "Blue Monday"]
    assert {job["stems_mode"] for job in answer.json()["jobs"]} == {"two"}
    assert batch(api, {"all_matching": {"q": "zzz"}}).status_code == 400


@pytest.mark.parametrize(
    "body,status",
    [
        ({}, 400),
        ({"tracks": [], "model": FAST_MODEL}, 400),
        ({"tracks": ["00000000-0000-0000-0000-000000000000"]}, 404),
        ({"tracks": ["not-a-uuid"]}, 400),
        ({"tracks": ["00000000-0000-0000-0000-000000000000"] * 201}, 400),
        ({"all_matching": {"q": ""}, "tracks": ["00000000-0000-0000-0000-000000000000"]}, 400),
        ({"all_matching": {}, "model": "no-such-model"}, 400),
    ],
)
def test_bad_batches_are_refused_and_make_nothing(api, user, make_track, body, status):
    make_track(user)
    answer = batch(api, body)
    assert answer.status_code == status, answer.content
    assert answer.json()["detail"]
    assert not ProcessingJob.objects.exists()


def test_another_users_tracks_cannot_be_batched(api, other_api, user, make_track):
    track = make_track(user)
    answer = other_api.post("/api/jobs/batch/", {"tracks": [str(track.id)]}, format="json")
    assert answer.status_code == 404 and not ProcessingJob.objects.exists()
