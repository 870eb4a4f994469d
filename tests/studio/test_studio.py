"""The studio page (a track's jobs, mixer data, report) and the mix download endpoint."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import numpy as np
import pytest
import soundfile
from django.utils import timezone

from audio import services as audio_services
from audio.storage import files
from jobs.models import ProcessingJob
from studio.report import job_report, job_warnings
from tests.audio.files import temporary_upload
from tests.studio.conftest import META, RATE, read_wav


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="studio-data" type="application/json">') + len(
        '<script id="studio-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_track_page_lists_its_jobs_and_opens_the_newest_completed_one(user_client, track, complete_job):
    older = complete_job(age_minutes=30)
    preview = complete_job(preview=True, age_minutes=10)
    failed = ProcessingJob.objects.create(
        track=track,
        user=track.owner,
        engine="local",
        model="htdemucs",
        status="failed",
        error_message="The runner crashed.",
    )
    response = user_client.get(f"/tracks/{track.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    for job in (older, preview, failed):
        assert f'data-job-id="{job.id}"' in html
    assert html.index(str(failed.id)) < html.index(str(preview.id)) < html.index(str(older.id))  # newest first
    assert html.count('class="badge preview">Preview') == 1
    assert "Failed" in html
    data = page_data(response)
    assert data["job"]["id"] == str(preview.id)
    assert {s["stem_type"] for s in data["job"]["stems"]} == {"vocals", "instrumental"}
    assert data["original_url"] == f"/files/tracks/{track.id}/original"
    assert len(data["waveforms"]["stems"]["vocals"]["peaks"]) > 100

    chosen = user_client.get(f"/tracks/{track.id}/?job={older.id}")
    assert page_data(chosen)["job"]["id"] == str(older.id)
    failed_page = user_client.get(f"/tracks/{track.id}/?job={failed.id}")
    assert "The runner crashed." in failed_page.content.decode()
    assert b'id="studio-data"' not in failed_page.content


def test_the_report_shows_the_engines_figures_and_warnings_in_words(user_client, track, complete_job):
    complete_job(vocals=0.0)
    html = user_client.get(f"/tracks/{track.id}/").content.decode()
    for text in (
        "spleeter 2stems (deezer) v1",
        "cpu, 2 threads",
        "3.0 s",
        "44100 Hz",
        "1.23 s (model loaded in 0.41 s, separation 0.52 s)",
        "0.411× (faster than real time)",
        "very short input (3.0 s): separation quality may be poor",
        "A stem was louder than full scale and was limited.",
        "dB relative to the mix",
    ):
        assert text in html, text
    levels = html[html.index('<table class="levels">') :]
    assert '<tr data-stem="vocals" class="empty-stem">' in levels
    vocals_row = levels[levels.index('data-stem="vocals"') :]
    assert "silent" in vocals_row[: vocals_row.index("</tr>")]


def test_stem_loudness_is_relative_to_the_mix(user_client, track, complete_job):
    complete_job(vocals=0.03)  # 20 dB under the instrumental's 0.3
    data = page_data(user_client.get(f"/tracks/{track.id}/"))
    levels = {level["stem_type"]: level for level in data["levels"]}
    assert levels["vocals"]["relative_db"] == pytest.approx(-20.0, abs=0.2)
    assert levels["vocals"]["words"].endswith(" dB") and not levels["vocals"]["empty"]
    assert levels["instrumental"]["relative_db"] == pytest.approx(0.0, abs=0.1)


def test_an_older_job_without_waveforms_gets_them_on_first_view(user_client, track, complete_job, stored):
    job = complete_job()
    files().delete(job.peaks_path)
    data = page_data(user_client.get(f"/tracks/{track.id}/"))
    assert stored.exists(job.peaks_path)
    assert data["waveforms"] == json.loads(stored.read(job.peaks_path))


def test_a_track_without_jobs_says_how_to_start_one(user_client, track):
    html = user_client.get(f"/tracks/{track.id}/").content.decode()
    assert "No separations yet" in html and f"/files/tracks/{track.id}/original" in html


def test_others_tracks_and_jobs_are_not_found(client, other_user, track, complete_job, tmp_path):
    job = complete_job()
    client.force_login(other_user)
    assert client.get(f"/tracks/{track.id}/").status_code == 404
    assert client.post(f"/jobs/{job.id}/mix", {"vocals": "1"}).status_code == 404
    client.force_login(track.owner)
    silence = tmp_path / "silence.wav"
    soundfile.write(str(silence), np.zeros((RATE, 2)), RATE, subtype="PCM_16")
    second, _ = audio_services.track_create(owner=track.owner, upload=temporary_upload(silence))
    of_another_track = ProcessingJob.objects.create(track=second, user=track.owner, engine="local", model="htdemucs")
    assert client.get(f"/tracks/{track.id}/?job={of_another_track.id}").status_code == 404
    assert client.get(f"/tracks/{track.id}/?job=not-a-uuid").status_code == 404


def test_the_mix_download_is_the_stems_summed_with_the_posted_gains(user_client, complete_job, stored):
    job = complete_job()
    stems = {stem.stem_type: soundfile.read(io.BytesIO(stored.read(stem.file_path)))[0] for stem in job.stems.all()}
    response = user_client.post(f"/jobs/{job.id}/mix", {"vocals": "1.5", "instrumental": "0.25"})
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'attachment; filename="night-drive-mix.wav"'
    assert response["X-Mix-Gain-Reduction-dB"] == "0.00"
    expected = 1.5 * stems["vocals"] + 0.25 * stems["instrumental"]
    assert np.abs(read_wav(response) - expected).max() <= 0.5 / 32768 + 1e-6

    as_json = user_client.post(f"/jobs/{job.id}/mix", {"gains": {"instrumental": 0}}, content_type="application/json")
    assert np.abs(read_wav(as_json) - stems["vocals"]).max() <= 0.5 / 32768 + 1e-6


@pytest.mark.parametrize(
    "body, content_type, message",
    [
        ({"drums": "1"}, None, "Unknown stem 'drums'; this job's stems are: instrumental, vocals."),
        ({"vocals": "-1"}, None, "The gain of vocals must be a number from 0 to 2, not '-1'."),
        ({"vocals": "loud"}, None, "The gain of vocals must be a number from 0 to 2, not 'loud'."),
        ({"vocals": 0, "instrumental": 0}, "application/json", "Every stem is muted: there is nothing to mix."),
        ([1, 2], "application/json", 'Send the gains as a JSON object, e.g. {"vocals": 0.5}.'),
    ],
)
def test_bad_gains_get_a_400_naming_the_problem(user_client, complete_job, body, content_type, message):
    job = complete_job()
    kwargs = {"content_type": content_type} if content_type else {}
    response = user_client.post(f"/jobs/{job.id}/mix", body, **kwargs)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


def test_only_a_completed_job_can_be_mixed(user_client, track):
    job = ProcessingJob.objects.create(track=track, user=track.owner, engine="local", model="htdemucs")
    response = user_client.post(f"/jobs/{job.id}/mix", {"vocals": "1"})
    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_a_cloud_jobs_report_derives_runtime_and_real_time_factor(track):
    started = timezone.now()
    job = ProcessingJob.objects.create(
        track=track,
        user=track.owner,
        engine="lalalai",
        model="perseus",
        status="completed",
        started_at=started,
        finished_at=started + timedelta(seconds=30),
        result_meta={
            "engine": "lalalai",
            "model": "perseus",
            "device": "lalal.ai cloud",
            "task_id": "t-1",
            "duration_seconds": 120.0,
        },
    )
    assert dict(job_report(job=job)) == {
        "Engine": "lalal.ai cloud",
        "Model": "perseus",
        "Device": "lalal.ai cloud",
        "Run": "full track",
        "Input duration": "2:00.0 (120.0 s)",
        "Runtime": "30.00 s",
        "Real-time factor": "0.250× (faster than real time)",
    }
    assert job_warnings(job=job) == []


def test_a_previews_stems_are_placed_where_its_excerpt_starts_in_the_original(user_client, track, complete_job):
    complete_job(
        preview=True,
        meta={**META, "preview_start_seconds": 83.4, "preview_seconds": 60.0, "preview_from": "first vocals"},
    )
    response = user_client.get(f"/tracks/{track.id}/")
    assert page_data(response)["original_offset"] == 83.4
    html = response.content.decode()
    assert "preview: 60.0 s from 1:23.4 (first vocals)" in html and 'id="ab-original"' in html

    older_preview = complete_job(preview=True, meta={})  # from before previews said where they start
    response = user_client.get(f"/tracks/{track.id}/?job={older_preview.id}")
    assert page_data(response)["original_offset"] is None
    assert 'id="ab-original"' not in response.content.decode()
