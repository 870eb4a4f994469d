"""Preview jobs: 60 s from where the vocals start, else from the start, or the whole track."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio import services as audio_services
from audio.vocal_entry import first_sustained_vocals
from jobs import services
from tests.audio.files import temporary_upload
from tests.audio.mixtures import SAMPLE_RATE, render_mixture
from tests.jobs.conftest import FAST_MODEL, job_status, wait_for

INTRO_SECONDS = 35


def song_with_an_instrumental_intro(tmp_path):
    """35 s of accompaniment alone, then 65 s with vocals: 100 s."""
    mixture = render_mixture(tmp_path / "render", seconds=65.0)
    intro = mixture.accompaniment[:, : INTRO_SECONDS * SAMPLE_RATE]
    song = np.concatenate([intro, mixture.mix], axis=1)
    path = tmp_path / "intro-then-vocals.wav"
    soundfile.write(str(path), song.T, SAMPLE_RATE, subtype="PCM_16")
    return path


def test_preview_starts_at_the_first_vocals(start_worker, user, tmp_path):
    start_worker()
    track, _ = audio_services.track_create(
        owner=user, upload=temporary_upload(song_with_an_instrumental_intro(tmp_path))
    )
    job = services.job_create(user=user, track=track, engine="local", model="spleeter_2stems", preview=True)
    wait_for(lambda: job_status(job) in ("completed", "failed"), 240)
    assert job.status == "completed", job.error_message
    assert job.result_meta["preview_from"] == "first vocals"
    assert INTRO_SECONDS - 1 <= job.result_meta["preview_start_seconds"] <= INTRO_SECONDS + 3
    assert job.result_meta["preview_seconds"] == pytest.approx(60.0, abs=0.05)
    assert {stem.stem_type: round(stem.duration_seconds) for stem in job.stems.all()} == {
        "vocals": 60,
        "accompaniment": 60,
    }
    full = services.job_create(user=user, track=track, engine="local", model="spleeter_2stems")
    assert full.pk != job.pk and full.preview is False, "a full run is its own job, not the preview reused"


def test_preview_of_music_without_vocals_starts_at_the_beginning(start_worker, user, tmp_path):
    start_worker()
    accompaniment = render_mixture(tmp_path / "render", seconds=62.0).accompaniment_path
    track, _ = audio_services.track_create(owner=user, upload=temporary_upload(accompaniment))
    job = services.job_create(user=user, track=track, engine="local", model=FAST_MODEL, preview=True)
    wait_for(lambda: job_status(job) in ("completed", "failed"), 240)
    assert job.status == "completed", job.error_message
    assert (job.result_meta["preview_start_seconds"], job.result_meta["preview_from"]) == (
        0.0,
        "start (no vocals found)",
    )
    assert all(round(stem.duration_seconds) == 60 for stem in job.stems.all())


def test_a_preview_of_a_track_no_longer_than_a_preview_is_the_full_run(user, make_track):
    track = make_track(user, seconds=3.0)
    job = services.job_create(user=user, track=track, engine="local", model=FAST_MODEL, preview=True)
    assert job.preview is False
    again = services.job_create(user=user, track=track, engine="local", model=FAST_MODEL)
    assert again.pk == job.pk, "asking for the full run after the preview repeats nothing"


@pytest.mark.parametrize(
    "vocal_frames,expected",
    [
        ((20, 40), 10.0),  # sustained vocals from frame 20 (0.5 s frames)
        ((5, 7), None),  # a 1 s blip is leakage, not singing
        ((0, 0), None),
    ],
)
def test_sustained_vocal_detection(vocal_frames, expected):
    rate, frame = 1000, 500
    mix = np.full((40 * frame, 2), 0.5, dtype=np.float32)
    vocals = np.full_like(mix, 0.01)
    vocals[vocal_frames[0] * frame : vocal_frames[1] * frame] = 0.3
    assert first_sustained_vocals(vocals, mix, rate=rate) == expected
