"""Waveform peaks and stem loudness of a set of stems, stored as one JSON file.

Computed once, when a job's stems are stored (the jobs app keeps them as
``stems/<job id>/peaks.json``), or on first view for jobs stored before this existed. The file holds, for the
original and for each stem, PEAK_BINS (min, max) pairs quantized to -127..127,
and for each stem its RMS loudness in dBFS and in dB relative to the mix (the
sum of the stems, which is what the separation split). A stem whose RMS is
below SILENT_DBFS is reported as silent (its relative loudness is None).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import av
import numpy as np

from audio.pcm import read_blocks, read_together, sample_rate
from audio.storage import uploads_path

logger = logging.getLogger(__name__)

PEAK_BINS = 1000
PEAK_SCALE = 127
FINE_BIN_FRAMES = 256  # first reduction while streaming; regrouped into PEAK_BINS at the end
SILENT_DBFS = -80.0
FORMAT_VERSION = 1


class WaveformsUnavailable(Exception):
    """A file of the job could not be decoded, so no waveforms could be drawn."""


class _Peaks:
    """Min and max per FINE_BIN_FRAMES of a stream of blocks, channels folded together."""

    def __init__(self) -> None:
        self.lows: list[np.ndarray] = []
        self.highs: list[np.ndarray] = []
        self.frames = 0
        self.square_sum = 0.0

    def add(self, block: np.ndarray) -> None:
        self.frames += block.shape[1]
        self.square_sum += float(np.square(block, dtype=np.float64).sum())
        usable = block.shape[1] - block.shape[1] % FINE_BIN_FRAMES
        shaped = block[:, :usable].reshape(2, -1, FINE_BIN_FRAMES)
        lows, highs = shaped.min(axis=(0, 2)), shaped.max(axis=(0, 2))
        if usable < block.shape[1]:
            tail = block[:, usable:]
            lows, highs = np.append(lows, tail.min()), np.append(highs, tail.max())
        self.lows.append(lows)
        self.highs.append(highs)

    def rms_dbfs(self) -> float | None:
        """RMS over both channels in dBFS; None for digital silence."""
        if not self.frames or self.square_sum == 0.0:
            return None
        return 10 * math.log10(self.square_sum / (2 * self.frames))

    def summary(self, rate: int) -> dict:
        lows = np.concatenate(self.lows) if self.lows else np.zeros(0)
        highs = np.concatenate(self.highs) if self.highs else np.zeros(0)
        pairs: list[int] = []
        if len(lows):
            # Evenly spaced group starts, so bin i always covers the same share of time.
            starts = np.unique(np.linspace(0, len(lows), min(PEAK_BINS, len(lows)), endpoint=False).astype(int))
            for low, high in zip(np.minimum.reduceat(lows, starts), np.maximum.reduceat(highs, starts)):
                pairs += [_quantize(low), _quantize(high)]
        return {"seconds": round(self.frames / rate, 3), "peaks": pairs}


def _quantize(value: float) -> int:
    return round(max(-1.0, min(1.0, float(value))) * PEAK_SCALE)


def waveforms_compute(*, original: Path, stems: dict[str, Path]) -> dict:
    """Peaks of the original and of every stem, and each stem's loudness against their sum.

    Raises av.FFmpegError or OSError when a file cannot be decoded.
    """
    names = sorted(stems)
    rate = sample_rate(stems[names[0]]) if names else sample_rate(original)
    stem_peaks = {name: _Peaks() for name in names}
    mix_square_sum, mix_frames = 0.0, 0
    for blocks in read_together([stems[name] for name in names], rate=rate):
        for name, block in zip(names, blocks):
            stem_peaks[name].add(block)
        mix = np.sum(blocks, axis=0, dtype=np.float64)
        mix_square_sum += float(np.square(mix).sum())
        mix_frames += mix.shape[1]
    original_peaks = _Peaks()
    for block in read_blocks(original, rate=rate):
        original_peaks.add(block)
    mix_dbfs = 10 * math.log10(mix_square_sum / (2 * mix_frames)) if mix_square_sum > 0 else None
    return {
        "version": FORMAT_VERSION,
        "original": original_peaks.summary(rate),
        "mix_rms_dbfs": _rounded(mix_dbfs),
        "stems": {name: _stem_entry(peaks, rate, mix_dbfs) for name, peaks in stem_peaks.items()},
    }


def _stem_entry(peaks: _Peaks, rate: int, mix_dbfs: float | None) -> dict:
    level = peaks.rms_dbfs()
    silent = level is None or level < SILENT_DBFS
    relative = None if silent or mix_dbfs is None else level - mix_dbfs
    return {**peaks.summary(rate), "rms_dbfs": _rounded(level), "relative_db": _rounded(relative), "silent": silent}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1) + 0.0  # no -0.0


def waveforms_store(*, target: str, original: Path, stems: dict[str, Path]) -> dict:
    """Compute the waveforms of ``original`` and ``stems`` and write them to ``target``
    (relative to UPLOADS_DIR).

    Raises WaveformsUnavailable when a file cannot be read or decoded.
    """
    try:
        document = waveforms_compute(original=original, stems=stems)
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise WaveformsUnavailable(f"Cannot draw the waveforms for {target}: {exc}") from exc
    path = uploads_path(target)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(document, separators=(",", ":")))
    partial.replace(path)
    logger.info("Stored waveforms %s (%d stems)", target, len(stems))
    return document


def waveforms_load(*, target: str, original: Path, stems: dict[str, Path]) -> dict:
    """The waveforms stored at ``target``; computed and stored now if missing or outdated."""
    path = uploads_path(target)
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        document = None
    if document and document.get("version") == FORMAT_VERSION and set(document["stems"]) == set(stems):
        return document
    return waveforms_store(target=target, original=original, stems=stems)
