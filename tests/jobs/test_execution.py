"""What a job hands its engine, and how a run ends when what it needs is gone."""

import uuid

import pytest

from jobs import services
from jobs.execution import _request, job_execute
from jobs.models import JobStatus, ProcessingJob
from preferences.services import preferences_update

KEY = "MyLalalKey-5f3a9c1e77-Q8rT"


@pytest.mark.parametrize(("engine", "expected"), [("lalalai", KEY), ("local", None)])
def test_jobs_carry_the_owners_key_only_to_lalalai(user, make_track, engine, expected, tmp_path, fake_lalalai):
    fake_lalalai.add_key(KEY)  # a saved key is checked with lalal.ai
    preferences_update(user=user, values={"lalalai_key": KEY})
    job = ProcessingJob.objects.create(
        track=make_track(user), user=user, engine=engine, model="auto", celery_task_id=uuid.uuid4().hex
    )
    request = _request(job, tmp_path, tmp_path / "original.wav")
    assert request.credentials == expected
    assert KEY not in repr(request)


def test_an_unreadable_saved_key_fails_the_job_and_never_bills_the_installation(
    transactional_db, user, make_track, settings, fake_lalalai
):
    system_key = f"installation-{uuid.uuid4().hex}"
    fake_lalalai.add_key(system_key)
    settings.SYSTEM_LALALAI_ACTIVATION_KEY = system_key
    fake_lalalai.add_key(KEY)
    preferences_update(user=user, values={"lalalai_key": KEY})
    settings.SECRET_KEY = "rotated-" + "x" * 60  # the saved key was encrypted under the old one
    job = ProcessingJob.objects.create(
        track=make_track(user), user=user, engine="lalalai", model="auto", celery_task_id=uuid.uuid4().hex
    )
    job_execute(job_id=job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == (
        "Your saved lalal.ai cloud key can no longer be read; enter it again on the Settings page."
    )
    assert fake_lalalai.calls("upload") == [], "nothing reached lalal.ai, on any key"
    assert not list(settings.SCRATCH_DIR.glob(".work-*")), "the work folder went with the run"


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Error opening '/srv/sf/priv/uploads/stems/.work-1-1/vocals.wav': format",
            "Error opening 'vocals.wav': format",
        ),
        ("The separation failed: [Errno 2] /tmp/x/y: gone", "The separation failed: [Errno 2] y: gone"),
        ("cannot write to /var/lib/soundforge/", "cannot write to a folder"),
        (
            "m4a/aac files at https://www.lalal.ai/api/v1/ failed",
            "m4a/aac files at https://www.lalal.ai/api/v1/ failed",
        ),
    ],
)
def test_a_failed_jobs_message_shows_no_server_paths(user, make_track, message, shown):
    job = ProcessingJob.objects.create(
        track=make_track(user), user=user, engine="local", model="x", status=JobStatus.RUNNING
    )
    services.job_fail(job=job, message=message, code="engine_error")
    job.refresh_from_db()
    assert job.error_message == shown
