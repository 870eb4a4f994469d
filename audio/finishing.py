"""Stems finished as the user asked, after any engine: the output sample rate and
loudness-safe normalisation, with the clipping risk put in words.

Loudness-safe normalisation turns all stems of a job up or down by one gain, so
their balance is kept and their sum (the mix they make together) peaks at
``CEILING_DBFS``: as loud as it can be without clipping when mixed back. Off, the
stems stay as the engine made them, and the risk is reported instead: a sum past
full scale, or a stem that reaches full scale (the engine clipped it). The files
are read block by block at the target rate (audio.pcm, resampled by FFmpeg's
swresample) and written again only when the rate or the gain changes anything, in
their own format (16-bit WAV or FLAC, or MP3), so memory stays flat.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from audio.engines.levels import amplitude_db
from audio.pcm import read_together, sample_rate

logger = logging.getLogger(__name__)
SAMPLE_RATES = (44100, 48000)
CEILING_DBFS = -1.0
FULL_SCALE = 32767 / 32768  # a 16-bit stem at this peak was limited by its engine
_WRITERS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".mp3": ("MP3", "MPEG_LAYER_III")}


@dataclass
class Finished:
    """What finishing did: the gain applied (dB), whether the files were rewritten, and
    warnings for the job's report."""

    gain_db: float = 0.0
    rewritten: bool = False
    warnings: list[str] = field(default_factory=list)


def stems_finish(*, files: dict[str, Path], rate: int, normalise: bool) -> Finished:
    """Rewrite ``files`` (stem name -> file) in place at ``rate``, normalised if asked.

    Raises av.FFmpegError or OSError when a file cannot be read or written.
    """
    names = sorted(files)
    paths = [files[name] for name in names]
    peaks, sum_peak = _peaks(paths, rate)
    finished = Finished()
    if normalise and sum_peak > 0:
        gain = 10 ** (CEILING_DBFS / 20) / sum_peak
        finished.gain_db = round(amplitude_db(gain), 2)
    else:
        gain = 1.0
        if sum_peak > 1.0:
            finished.warnings.append(
                f"clipping risk: the stems add up to {amplitude_db(sum_peak):+.1f} dBFS, so mixing them back at full "
                "volume clips; turn on loudness-safe normalisation to avoid it"
            )
    clipped = [name for name, peak in zip(names, peaks) if peak >= FULL_SCALE]
    if clipped:
        finished.warnings.append(f"clipping risk: {', '.join(clipped)} reached full scale and may be clipped")
    rates = {sample_rate(path) for path in paths}
    if rates == {rate} and abs(gain - 1.0) < 1e-4:
        return finished
    _rewrite(paths, rate, gain)
    finished.rewritten = True
    logger.info("Finished %d stems at %d Hz (gain %+.2f dB, from %s Hz)", len(paths), rate, amplitude_db(gain), rates)
    return finished


def _peaks(paths: list[Path], rate: int) -> tuple[list[float], float]:
    """Each file's peak and the peak of their sum, at ``rate``."""
    peaks, sum_peak = [0.0] * len(paths), 0.0
    for blocks in read_together(paths, rate=rate):
        for index, block in enumerate(blocks):
            peaks[index] = max(peaks[index], float(np.abs(block).max(initial=0.0)))
        sum_peak = max(sum_peak, float(np.abs(np.sum(blocks, axis=0)).max(initial=0.0)))
    return peaks, sum_peak


def _rewrite(paths: list[Path], rate: int, gain: float) -> None:
    targets = [path.with_name(f".finishing-{path.name}") for path in paths]
    writers = [
        soundfile.SoundFile(str(target), "w", rate, 2, _WRITERS[path.suffix][1], format=_WRITERS[path.suffix][0])
        for path, target in zip(paths, targets)
    ]
    try:
        for blocks in read_together(paths, rate=rate):
            for writer, block in zip(writers, blocks):
                writer.write(np.clip(block.T * gain, -1.0, FULL_SCALE))
    except BaseException:
        for writer, target in zip(writers, targets):
            writer.close()
            target.unlink(missing_ok=True)
        raise
    for writer, target, path in zip(writers, targets, paths):
        writer.close()
        os.replace(target, path)
