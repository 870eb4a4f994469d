"""Stem files, single-stem export and the ZIP of a track's stems: owner only."""

from __future__ import annotations

import io
import zipfile

import pytest

from audio import services as audio_services
from jobs.models import ProcessingJob
from jobs.stems import stems_record, stems_upload
from tests.audio.files import temporary_upload, write_wav


@pytest.fixture
def completed_job(user, tmp_path):
    track, _ = audio_services.track_create(
        owner=user, upload=temporary_upload(write_wav(tmp_path / "Song Title.wav", frames=44100))
    )
    job = ProcessingJob.objects.create(
        track=track, user=user, engine="local", model="spleeter_2stems", status="completed", progress=100
    )
    work = tmp_path / "work"
    work.mkdir()
    files = {
        name: write_wav(work / f"{name}.wav", frames=44100, freq=freq)
        for name, freq in (("vocals", 330.0), ("accompaniment", 110.0))
    }
    stems_record(stems=stems_upload(job=job, files=files))
    return job


def body(response) -> bytes:
    return b"".join(response)


def test_stem_rows_describe_their_files(completed_job, stored):
    stems = {stem.stem_type: stem for stem in completed_job.stems.all()}
    assert sorted(stems) == ["accompaniment", "vocals"]
    vocals = stems["vocals"]
    assert vocals.file_path == f"stems/{completed_job.id}/vocals.wav"
    assert vocals.size_bytes == stored.size(vocals.file_path)
    assert vocals.duration_seconds == pytest.approx(1.0)


def test_owner_streams_a_stem_with_range(user_client, completed_job, stored):
    url = f"/files/stems/{completed_job.id}/vocals.wav"
    data = stored.read(f"stems/{completed_job.id}/vocals.wav")
    assert body(user_client.get(url)) == data
    part = user_client.get(url, HTTP_RANGE="bytes=44-1043")
    assert part.status_code == 206 and body(part) == data[44:1044]


def test_single_stem_export_is_an_attachment(user_client, completed_job):
    stem = completed_job.stems.get(stem_type="vocals")
    response = user_client.get(f"/export/stem/{stem.id}")
    assert response.status_code == 200
    name = f"song-title-spleeter_2stems-{completed_job.id.hex[:6]}-vocals.wav"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_zip_of_the_latest_completed_job_holds_every_stem(user_client, completed_job, stored):
    response = user_client.get(f"/export/stems/{completed_job.track_id}")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    base = f"song-title-spleeter_2stems-{completed_job.id.hex[:6]}"
    assert sorted(archive.namelist()) == [f"{base}/accompaniment.wav", f"{base}/vocals.wav"]
    for name in archive.namelist():
        assert archive.read(name) == stored.read(f"stems/{completed_job.id}/{name.split('/')[1]}")


@pytest.mark.parametrize("route", ["file", "export", "zip"])
def test_head_answers_a_gets_headers_without_the_body(user_client, completed_job, monkeypatch, route):
    stem = completed_job.stems.get(stem_type="vocals")
    url = {
        "file": f"/files/stems/{completed_job.id}/vocals.wav",
        "export": f"/export/stem/{stem.id}",
        "zip": f"/export/stems/{completed_job.track_id}",
    }[route]
    monkeypatch.setattr("jobs.views.zip_stream", lambda files: pytest.fail("built an archive for a HEAD"))
    head = user_client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] in ("audio/x-wav", "audio/wav", "application/zip")
    if route != "zip":
        assert int(head["Content-Length"]) == stem.size_bytes


def test_zip_of_a_track_without_stems_is_not_found(user_client, completed_job):
    completed_job.status = "failed"
    completed_job.save()
    assert user_client.get(f"/export/stems/{completed_job.track_id}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/files/stems/{job}/vocals.wav",
        "/export/stem/{stem}",
        "/export/stems/{track}",
    ],
)
def test_another_users_stems_are_not_found(client, other_user, completed_job, url):
    client.force_login(other_user)
    stem = completed_job.stems.first()
    response = client.get(url.format(job=completed_job.id, stem=stem.id, track=completed_job.track_id))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["..%2F..%2Ftracks", "..", "vocals.wav%00", "..%2Fvocals.wav", "%2e%2e"])
def test_paths_that_climb_out_are_not_found(user_client, completed_job, path):
    assert user_client.get(f"/files/stems/{completed_job.id}/{path}").status_code == 404
