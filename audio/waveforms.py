"""Waveform peaks and stem loudness of a set of stems, stored as one JSON file.

Stored once, when a job's stems are stored (the jobs app keeps them as
``stems/<job id>/peaks.json``): from what the engine measured while it wrote the
stems (the local runner does), else decoded from the files; on first view for jobs
stored before this existed. The file holds, for the original and for each stem, at
most PEAK_BINS (min, max) pairs quantized to -127..127 whatever the length
(audio.engines.levels),
and for each stem its RMS loudness in dBFS and in dB relative to the mix (the
sum of the stems, which is what the separation split). A stem whose RMS is
below SILENT_DBFS is reported as silent (its relative loudness is None).
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import av
import numpy as np

from audio.engines.levels import PEAK_BINS, PEAK_SCALE, Levels, level_dbfs
from audio.pcm import read_blocks, read_together, sample_rate
from audio.storage import StorageFailed, bytes_get, bytes_put, local_copy

logger = logging.getLogger(__name__)

SILENT_DBFS = -80.0
FORMAT_VERSION = 1


class WaveformsUnavailable(Exception):
    """A file of the job could not be decoded, so no waveforms could be drawn."""


def waveforms_compute(*, original: Path, stems: dict[str, Path]) -> dict:
    """Peaks of the original and of every stem, and each stem's loudness against their sum,
    decoded from the files.

    Raises av.FFmpegError or OSError when a file cannot be decoded.
    """
    names = sorted(stems)
    rate = sample_rate(stems[names[0]]) if names else sample_rate(original)
    stem_levels = {name: Levels() for name in names}
    mix_square_sum, mix_frames = 0.0, 0
    for blocks in read_together([stems[name] for name in names], rate=rate):
        for name, block in zip(names, blocks):
            stem_levels[name].add(block)
        mix = np.sum(blocks, axis=0, dtype=np.float64)
        mix_square_sum += float(np.square(mix).sum())
        mix_frames += mix.shape[1]
    original_levels = Levels()
    for block in read_blocks(original, rate=rate):
        original_levels.add(block)

    def entry(levels: Levels) -> dict:
        return {**levels.summary(rate, PEAK_BINS), "rms_dbfs": levels.rms_dbfs()}

    return waveforms_document(
        {
            "original": entry(original_levels),
            "mix_rms_dbfs": level_dbfs(mix_square_sum, mix_frames),
            "stems": {name: entry(levels) for name, levels in stem_levels.items()},
        }
    )


def waveforms_document(levels: dict) -> dict:
    """The stored document from measured levels (``{"original", "mix_rms_dbfs", "stems"}``,
    each file as ``{"seconds", "peaks", "rms_dbfs"}``, as engines report them).

    Raises KeyError, TypeError or ValueError when ``levels`` is not shaped so.
    """
    mix_dbfs = levels["mix_rms_dbfs"]
    original = levels["original"]
    return {
        "version": FORMAT_VERSION,
        "original": {"seconds": float(original["seconds"]), "peaks": _peaks(original["peaks"])},
        "mix_rms_dbfs": _rounded(mix_dbfs),
        "stems": {name: _stem_entry(entry, mix_dbfs) for name, entry in sorted(levels["stems"].items())},
    }


def _peaks(values: list) -> list[int]:
    if len(values) > 2 * PEAK_BINS or not all(isinstance(value, int) for value in values):
        raise ValueError("peaks must be at most PEAK_BINS integer pairs")
    return values


def _stem_entry(entry: dict, mix_dbfs: float | None) -> dict:
    level = entry["rms_dbfs"]
    silent = level is None or level < SILENT_DBFS
    relative = None if silent or mix_dbfs is None else level - mix_dbfs
    return {
        "seconds": float(entry["seconds"]),
        "peaks": _peaks(entry["peaks"]),
        "rms_dbfs": _rounded(level),
        "relative_db": _rounded(relative),
        "silent": silent,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1) + 0.0  # no -0.0


def waveforms_peak_bounds(document: dict) -> dict[str, float]:
    """Per stem, a magnitude its samples never exceed, from its quantized peaks (rounded to
    the nearest step, so half a step more, and a little for the 16-bit writing)."""
    return {
        name: (max(map(abs, entry["peaks"]), default=0) + 0.5) / PEAK_SCALE + 1e-4
        for name, entry in document["stems"].items()
    }


def waveforms_store(*, target: str, original: Path, stems: dict[str, Path], levels: dict | None = None) -> dict:
    """Store the waveforms of the local files ``original`` and ``stems`` as ``target``: from
    ``levels`` when the engine measured them on the way, else decoded from the files.

    Raises WaveformsUnavailable when a file cannot be read or decoded, StorageFailed when the
    document cannot be stored.
    """
    document = None
    if levels is not None:
        try:
            document = waveforms_document(levels)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            logger.warning("The engine's levels for %s are unusable (%s); decoding the files", target, exc)
    try:
        document = document or waveforms_compute(original=original, stems=stems)
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise WaveformsUnavailable(f"Cannot draw the waveforms for {target}: {exc}") from exc
    bytes_put(name=target, data=json.dumps(document, separators=(",", ":")).encode())
    logger.info("Stored waveforms %s (%d stems)", target, len(stems))
    return document


def waveforms_load(*, target: str, original: str, stems: dict[str, str]) -> dict:
    """The waveforms stored as ``target``; computed from the stored files ``original`` and
    ``stems`` (stem -> stored name) and stored now if missing or outdated.

    Raises WaveformsUnavailable when a file cannot be fetched or decoded.
    """
    try:
        document = json.loads(bytes_get(target))
    except (OSError, ValueError):
        document = None
    if document and document.get("version") == FORMAT_VERSION and set(document["stems"]) == set(stems):
        return document
    try:
        with contextlib.ExitStack() as copies:
            local = {name: copies.enter_context(local_copy(stored)) for name, stored in stems.items()}
            source = copies.enter_context(local_copy(original))
            return waveforms_store(target=target, original=source, stems=local)
    except StorageFailed as exc:
        raise WaveformsUnavailable(f"Cannot draw the waveforms for {target}: {exc}") from exc
