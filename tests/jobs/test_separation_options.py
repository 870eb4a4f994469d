"""Separation options end to end (real worker and runner): the stems' sample rate and
loudness-safe normalisation, chosen per job, defaulting to the user's settings."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from audio.finishing import CEILING_DBFS
from jobs import services
from jobs.models import ProcessingJob
from preferences.services import preferences_update
from tests.jobs.conftest import FAST_MODEL, job_status, wait_for


def test_a_job_at_48_khz_normalised_has_stems_at_that_rate_whose_sum_peaks_at_the_ceiling(
    start_worker, user, make_track, stored
):
    start_worker()
    job = services.job_create(
        user=user,
        track=make_track(user, seconds=3.0),
        engine="local",
        model=FAST_MODEL,
        sample_rate=48000,
        normalise=True,
    )
    wait_for(lambda: job_status(job) == "completed", 120, message="the job")
    job = ProcessingJob.objects.get(pk=job.pk)
    stems = [soundfile.read(io.BytesIO(stored.read(stem.file_path))) for stem in job.stems.all()]
    assert {rate for _, rate in stems} == {48000}
    assert all(len(samples) == pytest.approx(3 * 48000, abs=48) for samples, _ in stems)
    peak = float(np.abs(sum(samples for samples, _ in stems)).max())
    assert 20 * np.log10(peak) == pytest.approx(CEILING_DBFS, abs=0.1)
    assert job.result_meta["samplerate"] == 48000 and job.result_meta["normalise_gain_db"] is not None


def test_a_jobs_options_come_from_the_settings_unless_given(api, user, make_track):
    preferences_update(user=user, values={"sample_rate": "48000", "normalise": True})
    track = make_track(user)
    by_settings = api.post("/api/jobs/", {"track": str(track.id), "model": FAST_MODEL}, format="json").json()
    assert (by_settings["sample_rate"], by_settings["normalise"]) == (48000, True)
    given = api.post(
        "/api/jobs/",
        {"track": str(track.id), "model": FAST_MODEL, "sample_rate": 44100, "normalise": False},
        format="json",
    ).json()
    assert (given["sample_rate"], given["normalise"]) == (44100, False) and given["id"] != by_settings["id"]
    refused = api.post("/api/jobs/", {"track": str(track.id), "sample_rate": 96000}, format="json")
    assert refused.status_code == 400 and "sample_rate" in refused.json()["errors"]
