"""A job's stems summed with per-stem gains into one 16-bit WAV, rendered from the files.

Stems are read block by block (audio.pcm), so memory stays flat for any length.
The sum goes to a float temporary file first; if its peak would clip, the whole
mix is turned down just enough to fit (never clipped or distorted) and the
reduction is reported. The result is a 16-bit stereo WAV at the stems' rate.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import av
import numpy as np
import soundfile

from audio.http.streaming import CHUNK
from audio.pcm import BLOCK_FRAMES, read_together, sample_rate

logger = logging.getLogger(__name__)

MAX_GAIN = 2.0
PEAK_LIMIT = 32767 / 32768  # the largest 16-bit sample, as a float


class MixRejected(Exception):
    """The requested mix cannot be rendered; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RenderedMix:
    """A rendered WAV in an anonymous temporary file (gone once closed)."""

    file: IO[bytes]
    samplerate: int
    frames: int
    peak: float
    gain_reduction_db: float

    @property
    def peak_dbfs(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf

    @property
    def size(self) -> int:
        return os.fstat(self.file.fileno()).st_size

    def chunks(self) -> Iterator[bytes]:
        """The WAV's bytes from the start, in chunks; the file is closed (and gone) at the end."""
        try:
            self.file.seek(0)
            while chunk := self.file.read(CHUNK):
                yield chunk
        finally:
            self.file.close()


def mix_gains(*, requested: Mapping[str, object], stem_types: list[str]) -> dict[str, float]:
    """Validate gains per stem type (0 to MAX_GAIN); a stem not named keeps gain 1.

    Raises MixRejected naming the bad stem or value.
    """
    unknown = sorted(set(requested) - set(stem_types))
    if unknown:
        raise MixRejected(f"Unknown stem {unknown[0]!r}; this job's stems are: {', '.join(stem_types)}.")
    gains = {}
    for stem_type in stem_types:
        value = requested.get(stem_type, 1.0)
        try:
            gain = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            gain = math.nan
        if not 0.0 <= gain <= MAX_GAIN:  # also false for NaN
            raise MixRejected(f"The gain of {stem_type} must be a number from 0 to {MAX_GAIN:g}, not {value!r}.")
        gains[stem_type] = gain
    if not any(gains.values()):
        raise MixRejected("Every stem is muted: there is nothing to mix.")
    return gains


def mix_render(*, stems: dict[str, Path], gains: dict[str, float]) -> RenderedMix:
    """Sum ``stems`` times ``gains`` into a 16-bit WAV; stems with gain 0 are not read.

    Raises MixRejected when a stem file cannot be decoded.
    """
    audible = [(stems[name], gains[name]) for name in sorted(stems) if gains.get(name)]
    try:
        rate = sample_rate(audible[0][0])
        with tempfile.TemporaryFile() as summed:
            frames, peak = _sum_into(summed, audible, rate)
            scale = 1.0 if peak <= PEAK_LIMIT else PEAK_LIMIT / peak
            result = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, closed by it)
            _to_pcm16(summed, result, scale, rate)
    except (av.FFmpegError, OSError, IndexError) as exc:
        logger.warning("Cannot render a mix of %s: %s", ", ".join(map(str, stems.values())), exc)
        raise MixRejected("A stem file could not be read, so the mix could not be rendered.") from exc
    result.seek(0)
    reduction = 20 * math.log10(1 / scale)
    if reduction:
        logger.info("Mix turned down by %.2f dB to avoid clipping (peak %.3f)", reduction, peak)
    return RenderedMix(
        file=result, samplerate=rate, frames=frames, peak=peak * scale, gain_reduction_db=round(reduction, 2)
    )


def _sum_into(target: IO[bytes], audible: list[tuple[Path, float]], rate: int) -> tuple[int, float]:
    frames, peak = 0, 0.0
    with soundfile.SoundFile(target, "w", samplerate=rate, channels=2, subtype="FLOAT", format="WAV") as out:
        for blocks in read_together([path for path, _ in audible], rate=rate):
            mix = np.zeros_like(blocks[0])
            for block, (_, gain) in zip(blocks, audible):
                mix += block * np.float32(gain)
            out.write(mix.T)
            frames += mix.shape[1]
            peak = max(peak, float(np.abs(mix).max(initial=0.0)))
    return frames, peak


def _to_pcm16(source: IO[bytes], target: IO[bytes], scale: float, rate: int) -> None:
    source.seek(0)
    with (
        soundfile.SoundFile(source) as summed,
        soundfile.SoundFile(target, "w", samplerate=rate, channels=2, subtype="PCM_16", format="WAV") as out,
    ):
        for block in summed.blocks(blocksize=BLOCK_FRAMES, dtype="float64"):
            # Our own rounding to 16 bits: sample = round(value * 32768), so reading back
            # as value / 32768 (the usual convention) is off by at most half a step.
            out.write(np.clip(np.rint(block * (scale * 32768)), -32768, 32767).astype(np.int16))
