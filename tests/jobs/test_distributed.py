"""Workers anywhere: the files in a bucket every machine reaches (moto's S3 server over
HTTP on loopback), workers that see neither the web's uploads folder nor each other's
scratch folders, jobs routed by engine to queues of their own."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from jobs import execution, services, stems
from jobs.models import JobStatus, ProcessingJob
from tests.conftest import token_client, use_new_bucket
from tests.fakes.refusing_storage import REFUSED_STEM
from tests.jobs.conftest import FAST_MODEL, SLOW_MODEL, job_status, wait_for
from tests.stored import drop_bucket, s3_client


@pytest.fixture
def bucket(settings, moto_endpoint, uploads_dir):
    """This test's files in a bucket of their own (whatever STORAGE the suite runs with)."""
    name = use_new_bucket(settings, moto_endpoint)
    yield name
    drop_bucket(moto_endpoint, name)


def keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    answer = s3_client(endpoint).list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def local_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_two_workers_on_their_own_disks_run_six_jobs_of_two_users(
    start_worker, bucket, moto_endpoint, make_user, make_track, uploads_dir, settings
):
    workers = [start_worker(queues="separation", CELERY_CONCURRENCY="1") for _ in range(2)]
    users = [make_user("alice"), make_user("bob")]
    jobs = [
        services.job_create(user=user, track=make_track(user, seconds=3.0, seed=seed), engine="local", model=FAST_MODEL)
        for user in users
        for seed in range(3 * users.index(user), 3 * users.index(user) + 3)
    ]
    for job in jobs:
        wait_for(lambda job=job: job_status(job) == JobStatus.COMPLETED, 240, message=f"job {job.id}")

    ran = [sum(job.celery_task_id in worker.log() for job in jobs) for worker in workers]
    assert sum(ran) >= 6 and all(ran), f"both workers took jobs: {ran}"
    stored = keys(moto_endpoint, bucket)
    for job in jobs:
        assert {stem.file_path for stem in job.stems.all()} <= set(stored)
        assert job.peaks_path in stored
    assert not local_files(uploads_dir / "tracks") and not local_files(uploads_dir / "stems"), "all in the bucket"
    for worker in workers:
        assert not list(worker.scratch.glob(".work-*")), "each worker cleaned its own scratch folder"
        assert str(uploads_dir) not in worker.log()

    alice, bob = (token_client(user) for user in users)
    stem = jobs[0].stems.get(stem_type="vocals")
    whole = alice.get(f"/export/stem/{stem.id}")
    data = b"".join(whole)
    assert whole.status_code == 200 and len(data) == stem.size_bytes
    part = alice.get(f"/files/stems/{jobs[0].id}/{stem.file_name}", HTTP_RANGE="bytes=44-1043")
    assert part.status_code == 206 and b"".join(part) == data[44:1044]
    assert bob.get(f"/export/stem/{stem.id}").status_code == 404

    settings.S3_DOWNLOADS, settings.S3_LINK_SECONDS = "redirect", 2
    answer = alice.get(f"/export/stem/{stem.id}")
    assert answer.status_code == 302 and answer["Location"].startswith(moto_endpoint)
    fetched = requests.get(answer["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == data
    assert "attachment" in fetched.headers["Content-Disposition"]
    ranged = requests.get(answer["Location"], headers={"Range": "bytes=44-1043"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == data[44:1044]
    assert bob.get(f"/export/stem/{stem.id}").status_code == 404, "another user's stem stays 404"
    # The bucket enforces the expiry (moto does not): the link is signed for S3_LINK_SECONDS.
    assert parse_qs(urlsplit(answer["Location"]).query)["X-Amz-Expires"] == ["2"]


def test_a_worker_killed_mid_job_leaves_the_job_to_the_other(start_worker, bucket, moto_endpoint, user, make_track):
    first = start_worker(queues="separation", CELERY_CONCURRENCY="1")
    job = services.job_create(user=user, track=make_track(user, seconds=20.0), engine="local", model=SLOW_MODEL)
    wait_for(lambda: job_status(job) == JobStatus.RUNNING and job.progress >= 10, 180, message="the job separating")
    second = start_worker(queues="separation", CELERY_CONCURRENCY="1")
    first.kill()
    wait_for(lambda: job_status(job) in (JobStatus.COMPLETED, JobStatus.FAILED), 300, message="the job finished")
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.attempts == 2 and job.celery_task_id in second.log()
    assert {stem.file_path for stem in job.stems.all()} <= set(keys(moto_endpoint, bucket, f"stems/{job.id}/"))


def test_deleting_a_track_removes_its_objects(
    user, make_track, make_job, bucket, moto_endpoint, django_capture_on_commit_callbacks
):
    track = make_track(user)
    job = make_job(track, status=JobStatus.COMPLETED, stems=("vocals", "accompaniment"))
    other = make_track(user, seed=1)
    assert len(keys(moto_endpoint, bucket, f"{job.folder}/")) == 2 and len(keys(moto_endpoint, bucket)) == 4
    with django_capture_on_commit_callbacks(execute=True):
        stems.track_delete(track=track)
    assert keys(moto_endpoint, bucket) == [other.file_path], "its original and its job's stems went; the other stays"


def test_a_bucket_that_refuses_a_stem_fails_the_job_with_a_reason_and_keeps_no_stem(
    transactional_db, user, make_track, bucket, moto_endpoint, settings, local_engine_here, caplog
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "BACKEND": "tests.fakes.refusing_storage.RefusingS3Storage"},
    }
    track = make_track(user, seconds=3.0)
    job = ProcessingJob.objects.create(track=track, user=user, engine="local", model=FAST_MODEL, celery_task_id="x")
    with caplog.at_level("ERROR"):
        execution.job_execute(job_id=job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == "storage"
    assert job.error_message == "The separated stems could not be saved to storage; try the separation again."
    assert f"stems/{job.id}/{REFUSED_STEM}.wav" in caplog.text, "the operator's detail in the log"
    assert keys(moto_endpoint, bucket, f"stems/{job.id}/") == [], "no partial stems, no waveforms"
    assert not job.stems.exists()
    assert keys(moto_endpoint, bucket) == [track.file_path], "the original stays"
    assert not list(Path(settings.SCRATCH_DIR).glob(".work-*"))


def test_jobs_go_to_their_engines_queue(start_worker, api, user, make_track, fake_lalalai, license_key):
    """A worker serving only the cloud queue runs lalal.ai jobs and leaves local ones queued."""
    api.put("/api/settings/", {"lalalai_key": license_key}, format="json")
    start_worker(queues="cloud", LALALAI_BASE_URL=fake_lalalai.base_url)
    track = make_track(user, seconds=3.0)
    local = services.job_create(user=user, track=track, engine="local", model=FAST_MODEL)
    cloud = services.job_create(user=user, track=track, engine="lalalai", model="auto")
    wait_for(lambda: job_status(cloud) in (JobStatus.COMPLETED, JobStatus.FAILED), 120, message="the cloud job")
    assert cloud.status == JobStatus.COMPLETED, cloud.error_message
    assert job_status(local) == JobStatus.QUEUED, "no worker serves the separation queue"
