"""Every separation of a track on its own: its ZIP, its download names, deleting it."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

import pytest
from django.utils import timezone

from jobs.models import JobStatus, ProcessingJob, Stem


@pytest.fixture
def track(user, make_track):
    track = make_track(user)
    track.title, track.artist = "Night Drive", "Kōji & The Band"
    track.save()
    return track


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response)))


def test_each_jobs_zip_holds_its_own_stems_named_after_track_and_model(api, track, make_job, stored):
    spleeter = make_job(
        track,
        model="spleeter_2stems",
        status=JobStatus.COMPLETED,
        stems=("vocals", "accompaniment"),
        finished_at=timezone.now(),
    )
    demucs = make_job(
        track,
        model="htdemucs",
        status=JobStatus.COMPLETED,
        stems=("drums", "bass", "other", "vocals"),
        finished_at=timezone.now(),
    )
    answers = {job.id: api.get(f"/api/jobs/{job.id}/").json() for job in (spleeter, demucs)}
    assert answers[spleeter.id]["zip_url"] != answers[demucs.id]["zip_url"]

    response = api.get(answers[spleeter.id]["zip_url"])
    archive = zip_of(response)
    base = f"kōji-the-band-night-drive-spleeter_2stems-{spleeter.id.hex[:6]}"
    assert unquote(response["Content-Disposition"]) == f"attachment; filename*=utf-8''{base}.zip"
    assert sorted(archive.namelist()) == [f"{base}/accompaniment.wav", f"{base}/vocals.wav"]
    assert archive.read(f"{base}/vocals.wav") == stored.read(f"stems/{spleeter.id}/vocals.wav")
    assert len(zip_of(api.get(answers[demucs.id]["zip_url"])).namelist()) == 4

    export = api.get(answers[demucs.id]["stems"][0]["export_url"])
    assert f"night-drive-htdemucs-{demucs.id.hex[:6]}-" in export["Content-Disposition"]


def test_the_track_zip_is_still_the_newest_full_separation(api, track, make_job):
    make_job(track, model="htdemucs", status=JobStatus.COMPLETED, stems=("vocals",), finished_at=timezone.now())
    newest = make_job(
        track,
        model="spleeter_2stems",
        status=JobStatus.COMPLETED,
        stems=("vocals", "accompaniment"),
        finished_at=timezone.now(),
    )
    make_job(
        track,
        model="mdx_extra",
        status=JobStatus.COMPLETED,
        preview=True,
        stems=("drums",),
        finished_at=timezone.now(),
    )
    response = api.get(api.get(f"/api/tracks/{track.id}/").json()["stems_zip_url"])
    assert f"spleeter_2stems-{newest.id.hex[:6]}.zip" in response["Content-Disposition"]


@pytest.mark.parametrize("kind", ["preview", "two"])
def test_download_names_differ_for_each_separation_of_a_model(api, track, make_job, kind):
    plain = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",), finished_at=timezone.now())
    other = make_job(
        track,
        status=JobStatus.COMPLETED,
        stems=("vocals",),
        finished_at=timezone.now(),
        **({"preview": True} if kind == "preview" else {"stems_mode": "two"}),
    )
    names = {api.get(f"/api/jobs/{job.id}/").json()["zip_url"]: job for job in (plain, other)}
    dispositions = {api.get(url)["Content-Disposition"] for url in names}
    assert len(dispositions) == 2
    assert any(("-preview-" if kind == "preview" else "-2stems-") in value for value in dispositions)


def test_a_job_that_is_not_done_has_no_zip(api, track, make_job):
    failed = make_job(track, status=JobStatus.FAILED)
    assert api.get(f"/api/jobs/{failed.id}/").json()["zip_url"] is None
    assert api.get(f"/export/jobs/{failed.id}/stems.zip").status_code == 404


def test_delete_one_separation_keeps_the_track_and_the_others(
    api, track, make_job, stored, django_capture_on_commit_callbacks
):
    kept = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",), finished_at=timezone.now())
    doomed = make_job(
        track,
        model="spleeter_2stems",
        status=JobStatus.COMPLETED,
        stems=("vocals", "accompaniment"),
        finished_at=timezone.now(),
    )
    assert stored.names(doomed.folder)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/jobs/{doomed.id}/").status_code == 204
    assert stored.names(doomed.folder) == []
    assert not ProcessingJob.objects.filter(pk=doomed.pk).exists()
    assert not Stem.objects.filter(job_id=doomed.pk).exists()
    assert stored.exists(f"{kept.folder}/vocals.wav")
    assert stored.exists(track.file_path)
    assert api.get(f"/api/jobs/{doomed.id}/").status_code == 404
    assert api.delete(f"/api/jobs/{doomed.id}/").status_code == 404


def test_another_user_cannot_delete_or_download_a_separation(other_api, track, make_job, stored):
    job = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",))
    assert other_api.delete(f"/api/jobs/{job.id}/").status_code == 404
    assert other_api.get(f"/export/jobs/{job.id}/stems.zip").status_code == 404
    assert stored.exists(f"{job.folder}/vocals.wav")


def test_the_library_page_lists_every_separation_of_a_card(user_client, track, make_job):
    done = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",), finished_at=timezone.now())
    cancelled = make_job(track, model="mdx_extra", status=JobStatus.CANCELLED, finished_at=timezone.now())
    running = make_job(track, model="htdemucs_6s", status=JobStatus.RUNNING)
    data = user_client.get("/").context["page_data"]
    assert {job["id"] for job in data["jobs"]} == {str(done.id), str(cancelled.id), str(running.id)}
