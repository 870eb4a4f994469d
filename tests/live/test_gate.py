"""The vocals gate: quiet vocals (the model's bleed) are silenced without chatter, what it takes
goes to the accompaniment, and singing passes untouched."""

from __future__ import annotations

import numpy as np

from live.gate import BLOCK, CLOSE_DBFS, HOLD_BLOCKS, OPEN_DBFS, RAMP, VocalsGate

RATE = 44100


def tone(blocks: int, dbfs: float, frequency: float = 440.0) -> np.ndarray:
    """A stereo sine of ``blocks`` gate blocks whose RMS is ``dbfs``."""
    t = np.arange(blocks * BLOCK) / RATE
    amplitude = np.sqrt(2) * 10 ** (dbfs / 20)
    return np.stack([amplitude * np.sin(2 * np.pi * frequency * t)] * 2).astype(np.float32)


def gated(levels: list[float], cut: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gate over blocks at ``levels`` dBFS fed in pieces of ``cut`` samples: (vocals in,
    vocals out, accompaniment out); the accompaniment in is a steady other tone."""
    vocals = np.concatenate([tone(1, level) for level in levels], axis=1)
    accompaniment = tone(len(levels), -20.0, 110.0)
    gate = VocalsGate()
    outs = [
        gate.apply(start, vocals[:, start : start + cut], accompaniment[:, start : start + cut])
        for start in range(0, vocals.shape[1], cut)
    ]
    return vocals, np.concatenate([o[0] for o in outs], axis=1), np.concatenate([o[1] for o in outs], axis=1)


def test_quiet_vocals_are_silenced_and_go_to_the_accompaniment():
    vocals, out, accompaniment = gated([OPEN_DBFS - 12] * 20)
    assert not np.any(out), "bleed under the threshold: the vocals stem is silent"
    assert np.allclose(out + accompaniment, vocals + tone(20, -20.0, 110.0), atol=1e-6), "nothing lost"


def test_singing_passes_untouched_after_the_first_fade_in():
    vocals, out, _ = gated([-20.0] * 20)
    assert np.array_equal(out[:, RAMP:], vocals[:, RAMP:])
    assert np.all(np.abs(out[:, :RAMP]) <= np.abs(vocals[:, :RAMP]) + 1e-7)


def test_a_level_hovering_at_the_threshold_does_not_chatter():
    between = (OPEN_DBFS + CLOSE_DBFS) / 2
    levels = [-20.0] * 4 + [between + 2, between - 2] * 20 + [-20.0] * 2
    vocals, out, _ = gated(levels)
    gains = np.abs(out[0]) / np.maximum(np.abs(vocals[0]), 1e-9)
    loud = np.abs(vocals[0]) > 1e-4
    assert np.all(gains[loud][RAMP:] > 0.999), "open once open: no toggling around the threshold"


def test_a_short_pause_keeps_the_gate_open_and_a_long_one_closes_it_with_a_fade():
    pause = [CLOSE_DBFS - 20] * (HOLD_BLOCKS - 1)
    vocals, out, _ = gated([-20.0] * 4 + pause + [-20.0] * 4)
    assert np.array_equal(out[:, RAMP:], vocals[:, RAMP:]), "a breath between words is not gated"
    levels = [-20.0] * 4 + [CLOSE_DBFS - 20] * (HOLD_BLOCKS + 4)
    vocals, out, _ = gated(levels)
    closes = (4 + HOLD_BLOCKS) * BLOCK
    assert not np.any(out[:, closes + RAMP :]), "closed after the hold"
    fading = vocals[0, closes : closes + RAMP]
    audible = np.abs(fading) > 1e-5
    gains = out[0, closes : closes + RAMP][audible] / fading[audible]
    assert gains[0] > 0.99 and np.all(np.diff(gains) <= 1e-3), "a fade, not a cut"
