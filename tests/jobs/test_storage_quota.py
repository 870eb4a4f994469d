"""Each user keeps at most USER_STORAGE_MB of originals and stems; more is refused in words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audio.models import Track
from jobs import services
from jobs.models import JobStatus, Stem
from jobs.storage import storage_used
from tests.audio.files import wav_of_size, write_wav
from tests.jobs.conftest import FAST_MODEL

MiB = 1024 * 1024


def upload(api, path):
    return api.post("/api/tracks/", {"file": path.open("rb")}, format="multipart")


@pytest.mark.parametrize(("spare", "accepted"), [(4, True), (0, True), (-4, False)])
def test_an_upload_fits_below_and_at_the_quota_not_above(api, user, settings, tmp_path, stored, spare, accepted):
    settings.USER_STORAGE_MB = 2
    first = upload(api, wav_of_size(tmp_path / "first.wav", MiB))
    assert first.status_code == 201
    size = MiB - spare if spare >= 0 else MiB + 4
    second = write_wav(tmp_path / "second.wav", frames=(size - 44) // 4, freq=330.0)  # not the same file
    answer = upload(api, second)
    if accepted:
        assert answer.status_code == 201
        assert storage_used(user=user) == MiB + second.stat().st_size <= 2 * MiB
    else:
        assert answer.status_code == 413
        assert answer.json()["detail"].startswith("Your storage is full: 1 MB of your 2 MB are used.")
        assert Track.objects.count() == 1
        assert len(stored.names("tracks")) == 1, "nothing of the refused file is kept"


def test_the_library_page_names_the_file_that_did_not_fit(user_client, settings, tmp_path):
    settings.USER_STORAGE_MB = 1
    data = wav_of_size(tmp_path / "big.wav", MiB + 4).read_bytes()
    answer = user_client.post(
        "/tracks/upload", {"file": SimpleUploadedFile("big.wav", data)}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 413
    assert "Your storage is full" in answer.json()["errors"]["big.wav"]


def test_the_same_file_again_is_not_refused_when_full(api, settings, tmp_path):
    settings.USER_STORAGE_MB = 1
    path = wav_of_size(tmp_path / "exact.wav", MiB)
    assert upload(api, path).status_code == 201
    assert upload(api, path).status_code == 200, "already in the library: takes no room"


def test_no_new_separation_when_the_storage_is_full(db, user, make_track, make_job, settings):
    track = make_track(user)
    make_job(track, status=JobStatus.COMPLETED, stems=("vocals",))
    settings.USER_STORAGE_MB = 0  # no limit
    services.job_create(user=user, track=track, engine="local", model=FAST_MODEL)
    settings.USER_STORAGE_MB = 1
    Stem.objects.update(size_bytes=MiB)
    with pytest.raises(services.JobLimitReached, match="Your storage is full"):
        services.job_create(user=user, track=track, engine="local", model="htdemucs_6s")
