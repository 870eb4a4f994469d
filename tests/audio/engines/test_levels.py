"""Waveform peaks and loudness measured in memory that does not grow with the stream."""

from __future__ import annotations

import numpy as np
import pytest

from audio.engines.levels import MAX_BINS, PEAK_BINS, PEAK_SCALE, Levels

RATE = 44100


def test_bins_are_the_min_and_max_of_the_audio_however_it_is_cut():
    rng = np.random.default_rng(0)
    audio = rng.standard_normal((2, 3_000_001)).astype(np.float32) * 0.3
    audio[:, 1_500_000:] *= 0.1  # quieter second half
    levels, position = Levels(), 0
    while position < audio.shape[1]:  # blocks of any size, as decoders hand them out
        size = int(rng.integers(1, 200_000))
        levels.add(audio[:, position : position + size])
        position += size
    width = levels.width
    whole = levels.lows.size * width
    assert whole <= audio.shape[1] < whole + width and levels.lows.size < MAX_BINS
    assert np.array_equal(levels.lows, audio[:, :whole].min(axis=0).reshape(-1, width).min(axis=1))
    assert np.array_equal(levels.highs, audio[:, :whole].max(axis=0).reshape(-1, width).max(axis=1))
    assert levels.peak == pytest.approx(float(np.abs(audio).max()))
    assert levels.rms_dbfs() == pytest.approx(10 * np.log10(np.mean(np.square(audio, dtype=np.float64))), abs=1e-6)
    summary = levels.summary(RATE, PEAK_BINS)
    highs = np.array(summary["peaks"][1::2])
    assert len(summary["peaks"]) == 2 * PEAK_BINS and summary["seconds"] == round(audio.shape[1] / RATE, 3)
    assert highs[: PEAK_BINS // 2 - 1].min() > 2 * highs[PEAK_BINS // 2 + 1 :].max()  # the loud half shows


def test_three_hours_take_no_more_bins_than_three_minutes():
    block = np.full((2, 1 << 20), 0.25, dtype=np.float32)
    block[:, ::1000] = -0.5
    sizes = {}
    for minutes in (3, 180):
        levels = Levels()
        frames = minutes * 60 * RATE
        for _ in range(frames // block.shape[1]):
            levels.add(block)
        levels.add(block[:, : frames % block.shape[1]])
        sizes[minutes] = levels.lows.size
        summary = levels.summary(RATE, PEAK_BINS)
        assert summary["seconds"] == minutes * 60 and len(summary["peaks"]) == 2 * PEAK_BINS
        assert set(summary["peaks"]) == {round(-0.5 * PEAK_SCALE), round(0.25 * PEAK_SCALE)}
    assert MAX_BINS // 2 <= sizes[180] < MAX_BINS and sizes[3] < MAX_BINS


def test_silence_has_no_loudness_and_an_empty_stream_no_peaks():
    levels = Levels()
    assert levels.summary(RATE, PEAK_BINS) == {"seconds": 0.0, "peaks": []} and levels.rms_dbfs() is None
    levels.add(np.zeros((2, 5000), dtype=np.float32))
    assert levels.rms_dbfs() is None and set(levels.summary(RATE, PEAK_BINS)["peaks"]) == {0}
