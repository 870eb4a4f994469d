"""API clients (token and session), stored tracks and jobs, and lalal.ai pointed at a fake server."""
from __future__ import annotations

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audio.engines import registry
from audio.models import Stem
from jobs.models import JobStatus, ProcessingJob
from tests.audio.files import write_wav
from tests.fakes.lalalai_server import FakeLalalai
from tests.jobs.conftest import jobs_demucs_repo, make_track, start_worker  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in almost every test here; real password hashing is not what is tested."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_header(user) -> str:
    """The ``Authorization`` header value of the user's API token."""
    return f"Token {Token.objects.get_or_create(user=user)[0].key}"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_header(user))
    return client


@pytest.fixture
def api(user) -> APIClient:
    """The API as ``user``, with a token."""
    return token_client(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return token_client(other_user)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def make_job(uploads_dir):
    """A job row in any state; a completed one gets real stem files."""
    def make(track, *, engine="local", model="htdemucs", status=JobStatus.QUEUED, stems=(), **fields):
        job = ProcessingJob.objects.create(track=track, user=track.owner, engine=engine, model=model,
                                           status=status, celery_task_id=uuid.uuid4().hex, **fields)
        for name in stems:
            path = uploads_dir / "stems" / str(job.id) / f"{name}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_wav(path, frames=4410)
            Stem.objects.create(job=job, stem_type=name, format="wav", duration_seconds=track.duration_seconds,
                                size_bytes=path.stat().st_size, file_path=f"stems/{job.id}/{name}.wav")
        return job
    return make


@pytest.fixture
def fake_lalalai(tmp_path_factory, settings, monkeypatch):
    """A fake lalal.ai on loopback that this process's lalal.ai engine talks to."""
    fake = FakeLalalai(tmp_path_factory.mktemp("fake_lalalai"))
    fake.start()
    settings.LALALAI_BASE_URL = fake.base_url
    settings.SYSTEM_LALALAI_ACTIVATION_KEY = ""
    monkeypatch.setattr(registry, "_instances", {})  # engines built from these settings
    yield fake
    fake.stop()


@pytest.fixture
def license_key(fake_lalalai) -> str:
    key = f"test-licence-{uuid.uuid4().hex}"
    fake_lalalai.add_key(key, minutes=600.0)
    return key
