"""Tempo and key of a recording, measured with Essentia.

Essentia (AGPL-3.0, https://essentia.upf.edu) is a maintained music-analysis
library: ``RhythmExtractor2013`` (its multi-feature beat tracker) gives the tempo
with a confidence, ``KeyExtractor`` the key and mode with a strength. Both run on
at most ``EXCERPT_SECONDS`` from the middle of the track, decoded to mono 44.1 kHz
(the rate both algorithms are tuned for), so a long track costs no more than a
song. An answer below its confidence threshold is left out: no tempo is better
than a wrong one. A tempo outside ``TEMPO_RANGE`` is halved or doubled into it.
Measured (bench/bench_analysis.py), Essentia's half/double mistakes on songs sit
inside any range one could pick (60 and 70 BPM heard as 120 and 140, 180 as 90), so
a narrow range (90-180) made more mistakes than it fixed; the range only catches
extremes, and a user corrects the rest by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.keys import normalise_key
from audio.pcm import read_blocks

logger = logging.getLogger(__name__)
RATE = 44100
EXCERPT_SECONDS = 120.0
# Beats per minute songs are counted in; a tempo outside is halved or doubled into it.
TEMPO_RANGE = (60.0, 200.0)
# RhythmExtractor2013's confidence runs 0..5.32 (its authors: under 1 very low, 1.5 to 3.5
# good, above 3.5 excellent); KeyExtractor's strength is a correlation in 0..1. Measured
# (bench/bench_analysis.py): rendered songs score 3.0-3.9 and 0.86-0.93, while a bare sine
# or noise score at most 1.9 and 0.70. Real recordings score lower than clean renderings, so
# some will show no tempo or key: the user can set them by hand.
MIN_TEMPO_CONFIDENCE = 2.0
MIN_KEY_STRENGTH = 0.75


@dataclass(frozen=True)
class Analysis:
    """What was measured; ``None`` where the measurement was not sure enough."""

    bpm: float | None
    key: str | None  # e.g. "E minor", "F# major"
    # What the algorithms answered before gating and folding (for logs and bench/bench_analysis.py).
    measured_bpm: float = 0.0
    tempo_confidence: float = 0.0
    key_strength: float = 0.0


def fold_tempo(bpm: float, low: float = TEMPO_RANGE[0], high: float = TEMPO_RANGE[1]) -> float:
    """``bpm`` halved or doubled until it lies in [low, high)."""
    while bpm >= high:
        bpm /= 2
    while bpm < low:
        bpm *= 2
    return bpm


def excerpt(path: Path, *, duration: float, seconds: float = EXCERPT_SECONDS) -> np.ndarray:
    """Mono float32 at RATE: ``seconds`` from the middle of ``path`` (the whole of a shorter file).

    Raises av.FFmpegError or OSError when the file cannot be decoded.
    """
    skip = round(max(0.0, (duration - seconds) / 2) * RATE)
    wanted = round(seconds * RATE)
    kept: list[np.ndarray] = []
    have = 0
    for block in read_blocks(path, rate=RATE):
        if skip >= block.shape[1]:
            skip -= block.shape[1]
            continue
        mono = block[:, skip:].mean(axis=0)
        skip = 0
        kept.append(mono[: wanted - have])
        have += kept[-1].shape[0]
        if have >= wanted:
            break
    return np.concatenate(kept).astype(np.float32) if kept else np.zeros(0, np.float32)


def analyse(path: Path, *, duration: float) -> Analysis:
    """Tempo and key of the audio file at ``path``. Raises av.FFmpegError or OSError."""
    import essentia.standard as es  # heavy: loaded only where analysis runs

    audio = excerpt(path, duration=duration)
    if audio.shape[0] < RATE * 5 or not np.any(audio):
        return Analysis(bpm=None, key=None)  # too short or silent to say anything
    bpm, _ticks, confidence, _estimates, _intervals = es.RhythmExtractor2013(method="multifeature")(audio)
    key, scale, strength = es.KeyExtractor(sampleRate=RATE)(audio)
    logger.info(
        "Analysed %s: %.1f bpm (confidence %.2f), %s %s (strength %.2f)",
        path.name,
        bpm,
        confidence,
        key,
        scale,
        strength,
    )
    return Analysis(
        bpm=round(fold_tempo(bpm), 1) if confidence >= MIN_TEMPO_CONFIDENCE and bpm > 0 else None,
        key=normalise_key(f"{key} {scale}") if strength >= MIN_KEY_STRENGTH else None,
        measured_bpm=float(bpm),
        tempo_confidence=float(confidence),
        key_strength=float(strength),
    )
