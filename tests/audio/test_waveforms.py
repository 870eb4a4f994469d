"""Waveform peaks and stem loudness, computed from the files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.waveforms import PEAK_BINS, waveforms_compute, waveforms_peak_bounds

RATE = 44100


def sine(seconds: float, amplitude: float, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.stack([amplitude * np.sin(2 * np.pi * freq * t)] * 2, axis=1).astype(np.float32)


def write(path: Path, samples: np.ndarray, subtype: str = "PCM_16") -> Path:
    soundfile.write(str(path), samples, RATE, subtype=subtype)
    return path


def test_peaks_follow_the_audio_and_loudness_is_relative_to_the_mix(tmp_path):
    loud = sine(30, 0.5)
    loud[len(loud) // 2 :] = 0  # loud first half, silence after
    quiet = sine(30, 0.05, freq=330.0)  # 20 dB below the loud part's level
    silent = np.zeros_like(loud)
    stems = {
        "drums": write(tmp_path / "drums.wav", loud),
        "bass": write(tmp_path / "bass.wav", quiet),
        "vocals": write(tmp_path / "vocals.wav", silent),
    }
    original = write(tmp_path / "mix.wav", loud + quiet)

    doc = waveforms_compute(original=original, stems=stems)

    drums = doc["stems"]["drums"]
    assert len(drums["peaks"]) == 2 * PEAK_BINS
    assert drums["seconds"] == pytest.approx(30, abs=0.01)
    lows, highs = np.array(drums["peaks"][0::2]), np.array(drums["peaks"][1::2])
    assert highs[: PEAK_BINS // 2 - 1].min() >= 63 and lows[: PEAK_BINS // 2 - 1].max() <= -63  # 0.5 of 127
    assert max(highs) <= 64
    assert np.abs(highs[PEAK_BINS // 2 + 1 :]).max() == 0 and np.abs(lows[PEAK_BINS // 2 + 1 :]).max() == 0
    assert max(np.abs(doc["original"]["peaks"])) == pytest.approx(np.abs(loud + quiet).max() * 127, abs=1)
    # Levels: drums' RMS is 0.5/sqrt(2) for half the time, bass 0.05/sqrt(2) throughout.
    mix_power = (0.5**2 / 2) / 2 + 0.05**2 / 2
    assert drums["relative_db"] == pytest.approx(10 * np.log10((0.5**2 / 4) / mix_power), abs=0.15)
    assert doc["stems"]["bass"]["relative_db"] == pytest.approx(10 * np.log10((0.05**2 / 2) / mix_power), abs=0.15)
    assert doc["stems"]["vocals"] == {**doc["stems"]["vocals"], "silent": True, "relative_db": None, "rms_dbfs": None}
    assert len(json.dumps(doc)) < 40_000  # small enough to embed in the page


def test_short_files_get_fewer_bins_and_flac_stems_are_read(tmp_path):
    stems = {"vocals": write(tmp_path / "vocals.flac", sine(0.5, 0.25), "PCM_24")}
    doc = waveforms_compute(original=write(tmp_path / "mix.wav", sine(0.5, 0.25)), stems=stems)
    assert 2 <= len(doc["stems"]["vocals"]["peaks"]) < 2 * PEAK_BINS
    assert doc["stems"]["vocals"]["relative_db"] == 0.0


@pytest.mark.parametrize("amplitude", [0.0, 0.2, 0.5 / 127, 0.999])
def test_a_stems_peak_bound_is_never_below_its_real_peak_and_at_most_a_step_above(tmp_path, amplitude):
    rng = np.random.default_rng(3)
    noise = np.clip(rng.standard_normal((RATE * 5, 2)) * amplitude / 3, -amplitude, amplitude).astype(np.float32)
    noise[RATE] = amplitude  # the peak, once
    path = write(tmp_path / "stem.wav", noise)
    real = np.abs(soundfile.read(str(path), dtype="float32")[0]).max()
    bound = waveforms_peak_bounds(waveforms_compute(original=path, stems={"bass": path}))["bass"]
    assert real <= bound <= real + 1 / 127 + 1e-3
