"""A mix at a practice speed and pitch, in the format asked for: the studio's "Download mix".

Speed and pitch are changed with Rubber Band (pylibrb, GPL-2.0+: the library DAWs
use for this), speed with the pitch kept and pitch with the speed kept, in its
real-time mode block by block, so memory stays flat for any length; its start
delay is skipped, so the result lines up with the music and lasts exactly the
mix's length divided by the speed. A pitch shift can push peaks past full scale:
then the whole file is turned down just enough, as the mix itself is
(audio.mixdown). The result is 16-bit WAV or FLAC, or MP3, all by libsndfile.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

import numpy as np
import pylibrb
import soundfile

from audio.mixdown import PEAK_LIMIT, MixRejected, RenderedMix
from audio.pcm import BLOCK_FRAMES

logger = logging.getLogger(__name__)
SPEED_RANGE = (0.5, 1.5)
SEMITONE_RANGE = (-6.0, 6.0)
# format -> libsndfile's container and sample type, the Content-Type
OUTPUT_FORMATS = {
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
}
PRACTICE_FIELDS = ("speed", "semitones", "format")
_OPTIONS = pylibrb.Option.PROCESS_REALTIME | pylibrb.Option.ENGINE_FINER


@dataclass(frozen=True)
class Practice:
    speed: float = 1.0  # 0.5 plays at half speed
    semitones: float = 0.0
    format: str = "wav"

    @property
    def changes_sound(self) -> bool:
        return self.speed != 1.0 or self.semitones != 0.0

    @property
    def content_type(self) -> str:
        return OUTPUT_FORMATS[self.format][2]


def _number(requested: Mapping[str, object], name: str, default: float, limits: tuple[float, float], words: str):
    value = requested.get(name, default)
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not limits[0] <= number <= limits[1]:  # also false for NaN
        raise MixRejected(f"The {name} must be {words} from {limits[0]:g} to {limits[1]:g}, not {value!r}.")
    return number


def practice_parse(requested: Mapping[str, object]) -> Practice:
    """The practice fields of a mix request (``speed``, ``semitones``, ``format``). Raises MixRejected."""
    fmt = requested.get("format", "wav")
    if fmt not in OUTPUT_FORMATS:
        raise MixRejected(f"The format must be one of {', '.join(OUTPUT_FORMATS)}, not {fmt!r}.")
    return Practice(
        speed=_number(requested, "speed", 1.0, SPEED_RANGE, "a factor"),
        semitones=_number(requested, "semitones", 0.0, SEMITONE_RANGE, "a number of semitones"),
        format=str(fmt),
    )


def practice_apply(mix: RenderedMix, practice: Practice) -> RenderedMix:
    """``mix`` (a 16-bit WAV, closed here) at the practice speed and pitch, in its format."""
    if not practice.changes_sound and practice.format == "wav":
        return mix
    with mix.file, tempfile.TemporaryFile() as stretched:
        mix.file.seek(0)
        frames, peak = _stretch(mix.file, stretched, rate=mix.samplerate, practice=practice)
        scale = 1.0 if peak <= PEAK_LIMIT else PEAK_LIMIT / peak
        result = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, closed by it)
        _encode(stretched, result, scale=scale, rate=mix.samplerate, fmt=practice.format)
    result.seek(0)
    reduction = 20 * math.log10(1 / scale)
    logger.info(
        "Practice mix: speed %.2f, %+.1f semitones, %s, %d frames, turned down %.2f dB",
        practice.speed,
        practice.semitones,
        practice.format,
        frames,
        reduction,
    )
    return RenderedMix(
        file=result,
        samplerate=mix.samplerate,
        frames=frames,
        peak=peak * scale,
        gain_reduction_db=round(mix.gain_reduction_db + reduction, 2),
    )


def _stretch(source: IO[bytes], target: IO[bytes], *, rate: int, practice: Practice) -> tuple[int, float]:
    """Write ``source`` at the practice speed and pitch to ``target`` (float WAV); (frames, peak)."""
    with (
        soundfile.SoundFile(source) as mix,
        soundfile.SoundFile(target, "w", samplerate=rate, channels=2, subtype="FLOAT", format="WAV") as out,
    ):
        if not practice.changes_sound:  # a format change only
            peak = 0.0
            for block in mix.blocks(blocksize=BLOCK_FRAMES, dtype="float32"):
                out.write(block)
                peak = max(peak, float(np.abs(block).max(initial=0.0)))
            return mix.frames, peak
        stretcher = pylibrb.RubberBandStretcher(
            rate, 2, _OPTIONS, initial_time_ratio=1 / practice.speed, initial_pitch_scale=2 ** (practice.semitones / 12)
        )
        stretcher.set_max_process_size(BLOCK_FRAMES)
        # The documented way to line the output up with the input: pad the start, drop the delay.
        stretcher.process(pylibrb.create_audio_array(2, stretcher.get_preferred_start_pad()))
        sink = _Sink(out, wanted=round(mix.frames / practice.speed), skip=stretcher.get_start_delay())
        blocks = mix.blocks(blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True)
        block = next(blocks, None)
        while block is not None:
            following = next(blocks, None)
            stretcher.process(np.ascontiguousarray(block.T), final=following is None)
            while not sink.full and stretcher.available() > 0:
                sink.take(stretcher.retrieve(stretcher.available()))
            block = following
        sink.pad()  # Rubber Band may end a few frames short of the exact length
        return sink.written, sink.peak


@dataclass
class _Sink:
    """Where stretched blocks go: the start delay dropped, cut at the exact length, peak kept."""

    out: soundfile.SoundFile
    wanted: int
    skip: int
    written: int = 0
    peak: float = 0.0

    @property
    def full(self) -> bool:
        return self.written >= self.wanted

    def take(self, block: np.ndarray) -> None:
        dropped = min(self.skip, block.shape[1])
        self.skip -= dropped
        kept = block[:, dropped : dropped + self.wanted - self.written]
        self.out.write(kept.T)
        self.written += kept.shape[1]
        self.peak = max(self.peak, float(np.abs(kept).max(initial=0.0)))

    def pad(self) -> None:
        if not self.full:
            self.out.write(np.zeros((self.wanted - self.written, 2), np.float32))
            self.written = self.wanted


def _encode(source: IO[bytes], target: IO[bytes], *, scale: float, rate: int, fmt: str) -> None:
    container, subtype, _ = OUTPUT_FORMATS[fmt]
    source.seek(0)
    with (
        soundfile.SoundFile(source) as stretched,
        soundfile.SoundFile(target, "w", samplerate=rate, channels=2, subtype=subtype, format=container) as out,
    ):
        for block in stretched.blocks(blocksize=BLOCK_FRAMES, dtype="float64"):
            out.write(np.clip(block * scale, -1.0, PEAK_LIMIT))
