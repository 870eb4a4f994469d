"""What a job hands its engine: the input, the work folder, the owner's own secret for that engine."""

import uuid

import pytest

from jobs.execution import _request
from jobs.models import ProcessingJob
from preferences.services import preferences_update

KEY = "MyLalalKey-5f3a9c1e77-Q8rT"


@pytest.mark.parametrize(("engine", "expected"), [("lalalai", KEY), ("local", None)])
def test_jobs_carry_the_owners_key_only_to_lalalai(user, make_track, engine, expected):
    preferences_update(user=user, values={"lalalai_key": KEY})
    job = ProcessingJob.objects.create(
        track=make_track(user), user=user, engine=engine, model="auto", celery_task_id=uuid.uuid4().hex
    )
    request = _request(job)
    assert request.credentials == expected
    assert KEY not in repr(request)
