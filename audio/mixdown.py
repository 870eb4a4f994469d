"""A job's stems summed with per-stem gains into 16-bit stereo, rendered as a stream.

The stems are read block by block (audio.pcm), so memory stays flat and nothing
is written to disk whatever the length. ``mix_plan`` finds the sum's length and
peak: if the peak would clip, the whole mix is turned down just enough (never
clipped or distorted, and the reduction is reported). When the stems' own peaks
(from their waveforms) show that the sum cannot reach full scale, and their
headers state their lengths (WAV, FLAC), nothing needs reading for that; else
the stems are read once for it. ``mix_pcm`` then reads them and yields the 16-bit
samples, which ``audio.encoders`` turn into WAV, FLAC or MP3 as they come. ``mix_render`` keeps
the whole WAV in an anonymous temporary file for the practice stage
(audio.practice), which needs to read it twice.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import av
import numpy as np
import soundfile

from audio.encoders import wav_stream
from audio.engines.levels import amplitude_db
from audio.engines.local.audio_io import fitted
from audio.http.streaming import CHUNK
from audio.pcm import read_together, sample_rate

logger = logging.getLogger(__name__)

MAX_GAIN = 2.0
PEAK_LIMIT = 32767 / 32768  # the largest 16-bit sample, as a float
_UNREADABLE = "A stem file could not be read, so the mix could not be rendered."


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
        return amplitude_db(self.peak)

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


@dataclass(frozen=True)
class MixPlan:
    """What the first pass learnt: the audible stems, the mix's rate, length, peak and scale."""

    audible: tuple[tuple[Path, float], ...]
    samplerate: int
    frames: int
    peak: float  # after the scale; an upper bound when the stems were not read first
    scale: float
    read_first: bool = True  # False: the stems' own peaks showed the mix cannot clip

    @property
    def gain_reduction_db(self) -> float:
        return round(20 * math.log10(1 / self.scale), 2)

    @property
    def peak_dbfs(self) -> float:
        return amplitude_db(self.peak)


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


def mix_plan(
    *,
    stems: dict[str, Path],
    gains: dict[str, float],
    peak_bounds: Mapping[str, float] | None = None,
    stop: threading.Event | None = None,
) -> MixPlan:
    """The mix's length, peak and scale; stems with gain 0 are left out.

    ``peak_bounds``: per stem, a magnitude its samples never exceed. If the gains
    times them stay below full scale and the stems state their lengths, nothing is
    read; else the stems are read once. Raises MixRejected when a stem file cannot
    be decoded, or ``stop`` is set (its client left).
    """
    names = [name for name in sorted(stems) if gains.get(name)]
    audible = tuple((stems[name], gains[name]) for name in names)
    try:
        rate = sample_rate(audible[0][0])
        bound = sum(gains[name] * (peak_bounds or {}).get(name, math.inf) for name in names)
        if bound <= PEAK_LIMIT and (frames := _stated_frames([stems[name] for name in names], rate)) is not None:
            return MixPlan(audible=audible, samplerate=rate, frames=frames, peak=bound, scale=1.0, read_first=False)
        frames, peak = 0, 0.0
        for mix in _summed(audible, rate):
            if stop is not None and stop.is_set():
                raise MixRejected("The mix was cancelled.")
            frames += mix.shape[1]
            peak = max(peak, float(np.abs(mix).max(initial=0.0)))
    except (av.FFmpegError, OSError, IndexError, soundfile.LibsndfileError) as exc:
        logger.warning("Cannot render a mix of %s: %s", ", ".join(map(str, stems.values())), exc)
        raise MixRejected(_UNREADABLE) from exc
    scale = 1.0 if peak <= PEAK_LIMIT else PEAK_LIMIT / peak
    if scale < 1.0:
        logger.info("Mix turned down by %.2f dB to avoid clipping (peak %.3f)", -20 * math.log10(scale), peak)
    return MixPlan(audible=audible, samplerate=rate, frames=frames, peak=peak * scale, scale=scale)


def mix_pcm(plan: MixPlan) -> Iterator[np.ndarray]:
    """The mix as (n, 2) int16 blocks, read from the stems (again, if the plan read them).

    Raises MixRejected when a stem can no longer be decoded (e.g. deleted meanwhile).
    """
    try:
        for mix in fitted(_summed(plan.audible, plan.samplerate), plan.frames):  # the length its header states
            # Our own rounding to 16 bits: sample = round(value * 32768), so reading back
            # as value / 32768 (the usual convention) is off by at most half a step.
            scaled = mix.T.astype(np.float64) * (plan.scale * 32768)
            yield np.clip(np.rint(scaled), -32768, 32767).astype(np.int16)
    except (av.FFmpegError, OSError) as exc:
        logger.warning("A stem of a mix could no longer be read: %s", exc)
        raise MixRejected(_UNREADABLE) from exc


def mix_render(*, stems: dict[str, Path], gains: dict[str, float], stop: threading.Event | None = None) -> RenderedMix:
    """The whole mix as a 16-bit WAV in an anonymous temporary file (for the practice stage).

    Raises MixRejected when a stem file cannot be decoded.
    """
    plan = mix_plan(stems=stems, gains=gains, stop=stop)
    result = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, closed by it)
    try:
        for chunk in wav_stream(mix_pcm(plan), rate=plan.samplerate, frames=plan.frames):
            result.write(chunk)
    except BaseException:
        result.close()
        raise
    result.seek(0)
    return RenderedMix(
        file=result,
        samplerate=plan.samplerate,
        frames=plan.frames,
        peak=plan.peak,
        gain_reduction_db=plan.gain_reduction_db,
    )


def _stated_frames(paths: list[Path], rate: int) -> int | None:
    """The longest of the lengths the files' headers state (WAV and FLAC at ``rate``), else None."""
    if any(path.suffix not in (".wav", ".flac") for path in paths):
        return None  # an MP3's decoded length is known only by decoding it
    infos = [soundfile.info(str(path)) for path in paths]
    return max(info.frames for info in infos) if all(info.samplerate == rate for info in infos) else None


def _summed(audible: tuple[tuple[Path, float], ...], rate: int) -> Iterator[np.ndarray]:
    """The float32 sum of the stems times their gains, as (2, n) blocks."""
    for blocks in read_together([path for path, _ in audible], rate=rate):
        mix = np.zeros_like(blocks[0])
        for block, (_, gain) in zip(blocks, audible):
            mix += block * np.float32(gain)
        yield mix
