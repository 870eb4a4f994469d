"""The mix download at a practice speed and pitch, as WAV, FLAC or MP3 (Rubber Band on the server)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from tests.conftest import token_client
from tests.studio.conftest import RATE


def dominant(samples: np.ndarray) -> float:
    """The strongest frequency of a mono signal, to a tenth of a hertz."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n=10 * RATE))
    return float(np.argmax(spectrum) * RATE / (10 * RATE))


def download(user, job, body):
    answer = token_client(user).post(f"/api/jobs/{job.id}/mix/", body, format="json")
    assert answer.status_code == 200, answer.content
    data = b"".join(answer)
    samples, rate = soundfile.read(io.BytesIO(data), always_2d=True)
    assert rate == RATE
    return answer, samples


def test_half_speed_lasts_twice_as_long_at_the_same_pitch(user, complete_job):
    # The instrumental stem is a 220 Hz tone of 3 s; vocals are muted.
    answer, samples = download(user, complete_job(), {"vocals": 0, "speed": 0.5})
    assert answer["Content-Type"] == "audio/wav" and answer["Content-Disposition"].endswith('-mix.wav"')
    assert len(samples) == 6 * RATE
    assert dominant(samples[RATE : 5 * RATE, 0]) == pytest.approx(220, abs=1)


def test_three_semitones_up_keeps_the_length_and_raises_the_pitch(user, complete_job):
    _, samples = download(user, complete_job(), {"vocals": 0, "semitones": 3})
    assert len(samples) == 3 * RATE
    assert dominant(samples[RATE // 2 : int(2.5 * RATE), 0]) == pytest.approx(220 * 2 ** (3 / 12), abs=1.5)


def test_the_music_is_not_shifted_in_time(user, complete_job):
    """Rubber Band's start delay is dropped: the tone starts where it started, not later."""
    _, samples = download(user, complete_job(), {"vocals": 0, "speed": 1.25, "semitones": -2})
    loud = np.flatnonzero(np.abs(samples[:, 0]) > 0.05)
    assert loud[0] < 0.02 * RATE and len(samples) == round(3 * RATE / 1.25)


@pytest.mark.parametrize("fmt, content_type, subtype", [("flac", "audio/flac", "PCM_16"), ("mp3", "audio/mpeg", None)])
def test_flac_and_mp3_are_offered(user, complete_job, fmt, content_type, subtype):
    answer, samples = download(user, complete_job(), {"vocals": 0, "speed": 0.8, "format": fmt})
    assert answer["Content-Type"] == content_type and answer["Content-Disposition"].endswith(f'-mix.{fmt}"')
    assert abs(len(samples) - 3 * RATE / 0.8) < 0.1 * RATE  # MP3 frames pad a little
    assert dominant(samples[RATE : 3 * RATE, 0]) == pytest.approx(220, abs=1)


def test_a_pitch_shift_that_would_clip_is_turned_down_and_says_so(user, complete_job):
    job = complete_job(vocals=0.69)  # 0.69 + 0.3: peaks near full scale, which a shift overshoots
    answer, samples = download(user, job, {"semitones": -5})
    assert np.abs(samples).max() < 1.0
    assert float(answer["X-Mix-Peak-dBFS"]) <= 0.0


@pytest.mark.parametrize("body", [{"speed": 0.5}, {"speed": 1.5}, {"semitones": -6}, {"semitones": 6}])
def test_the_limits_are_accepted(user, complete_job, body):
    download(user, complete_job(), body)


@pytest.mark.parametrize(
    "body, words",
    [
        ({"speed": 0.49}, "speed must be a factor from 0.5 to 1.5"),
        ({"speed": 1.51}, "speed must be"),
        ({"speed": "fast"}, "speed must be"),
        ({"semitones": 6.1}, "semitones must be a number of semitones from -6 to 6"),
        ({"semitones": True}, "semitones must be"),
        ({"format": "ogg"}, "format must be one of wav, flac, mp3"),
    ],
)
def test_a_bad_speed_pitch_or_format_is_refused_in_words(user, complete_job, body, words):
    answer = token_client(user).post(f"/api/jobs/{complete_job().id}/mix/", body, format="json")
    assert answer.status_code == 400 and words in answer.json()["detail"]


def test_the_pages_form_sends_speed_pitch_and_format(user_client, complete_job):
    job = complete_job()
    answer = user_client.post(
        f"/jobs/{job.id}/mix", {"vocals": "0", "speed": "0.75", "semitones": "0", "format": "flac"}
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "audio/flac"
    samples, _ = soundfile.read(io.BytesIO(b"".join(answer)))
    assert len(samples) == 4 * RATE


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_a_flac_or_mp3_mix_at_its_own_speed_streams_without_a_length_up_front(user, complete_job, fmt):
    answer, samples = download(user, complete_job(), {"vocals": 0, "format": fmt})
    assert not answer.has_header("Content-Length"), "the size is known only once the encoder is done"
    assert abs(len(samples) - 3 * RATE) < 0.05 * RATE  # MP3 frames pad a little
    assert dominant(samples[RATE // 2 : int(2.5 * RATE), 0]) == pytest.approx(220, abs=1)
