"""Tempo and key measured with Essentia on rendered songs of known tempo and key."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.analysis import EXCERPT_SECONDS, RATE, TEMPO_RANGE, analyse, excerpt, fold_tempo
from audio.keys import camelot, normalise_key
from tests.audio.songs import Song, render_song


@pytest.mark.parametrize("song", [Song(96, "A", "minor"), Song(128, "Eb", "major"), Song(174, "F#", "minor")])
def test_a_rendered_song_gets_its_tempo_within_two_percent_and_its_key_exactly(tmp_path, song):
    path = render_song(tmp_path, song, seconds=25)
    found = analyse(path, duration=soundfile.info(str(path)).duration)
    assert found.bpm == pytest.approx(song.bpm, rel=0.02)
    assert found.key == song.key


def test_what_has_no_beat_or_key_and_a_too_short_file_get_no_tempo_and_no_key(tmp_path):
    """Unsure is left empty: silence, a bare sine, noise, and a song cut to 3 s."""
    t = np.arange(RATE * 20) / RATE
    noise = np.random.default_rng(0).standard_normal(len(t)) * 0.1
    render = render_song(tmp_path, Song(120, "C", "major"), seconds=2)
    signals = {"silent": 0 * t, "sine": 0.4 * np.sin(2 * np.pi * 440 * t), "noise": noise}
    for name, signal in signals.items():
        soundfile.write(str(tmp_path / f"{name}.wav"), np.stack([signal, signal], axis=1), RATE)
    data, _ = soundfile.read(str(render))
    soundfile.write(str(tmp_path / "short.wav"), data[: RATE * 3], RATE)
    for path in [tmp_path / f"{name}.wav" for name in (*signals, "short")]:
        found = analyse(path, duration=soundfile.info(str(path)).duration)
        assert (found.bpm, found.key) == (None, None), path.name


def test_a_long_track_is_measured_on_its_middle_only(tmp_path):
    path = tmp_path / "long.wav"
    seconds = EXCERPT_SECONDS + 80
    loud = np.zeros(int(seconds * RATE), dtype=np.float32)
    loud[40 * RATE : int((40 + EXCERPT_SECONDS) * RATE)] = 0.5  # only the middle has sound
    soundfile.write(str(path), np.stack([loud, loud], axis=1), RATE, subtype="FLOAT")
    middle = excerpt(path, duration=seconds)
    assert middle.shape[0] == EXCERPT_SECONDS * RATE
    assert np.all(middle == 0.5)


def test_tempo_is_halved_or_doubled_into_the_musical_range():
    low, high = TEMPO_RANGE
    assert fold_tempo(low) == low
    assert fold_tempo(high) == high / 2
    assert fold_tempo(low - 1) == (low - 1) * 2
    assert fold_tempo(high * 2 + 8) == (high * 2 + 8) / 4
    assert fold_tempo(120) == 120


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("E minor", "E minor"),
        ("db MAJOR", "C# major"),
        ("g# minor", "Ab minor"),
        ("  Bb   major ", "Bb major"),
        ("", ""),
    ],
)
def test_a_key_typed_in_any_spelling_is_stored_in_one(typed, stored):
    assert normalise_key(typed) == stored


@pytest.mark.parametrize("typed", ["H minor", "E", "E dorian", "E minor please", "#E major"])
def test_what_is_no_key_is_refused(typed):
    with pytest.raises(ValueError, match="such as"):
        normalise_key(typed)


def test_camelot_codes_follow_the_wheel():
    assert [
        camelot(key) for key in ("Ab minor", "B major", "E minor", "G major", "C major", "C# minor", "E major")
    ] == [
        "1A",
        "1B",
        "9A",
        "9B",
        "8B",
        "12A",
        "12B",
    ]
    assert camelot("") == ""
