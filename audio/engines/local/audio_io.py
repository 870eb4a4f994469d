"""Audio in and out for the runner: decode anything PyAV reads, write wav/flac/mp3.

Audio is handled as float32 numpy arrays shaped (channels, samples).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import lameenc
import numpy as np
import soundfile

from audio.engines.base import EngineRejectedInput

logger = logging.getLogger(__name__)

MP3_BITRATE_KBPS = 320
# LAME's -q 5: about twice as fast as -q 2, no audible difference at 320 kbit/s.
MP3_QUALITY = 5
MP3_MAX_RATE = 48000
_RESAMPLE_BLOCK = 1 << 16
_WRITE_BLOCK = 1 << 20


@dataclass(frozen=True)
class DecodedAudio:
    """Stereo float32 samples at the file's own sample rate."""

    samples: np.ndarray
    samplerate: int

    @property
    def seconds(self) -> float:
        return self.samples.shape[-1] / self.samplerate


def load_stereo(path: Path) -> DecodedAudio:
    """Decode the first audio stream of ``path`` to stereo float32.

    Raises EngineRejectedInput when the file is missing, not audio, or empty.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise EngineRejectedInput(f"{path.name} has no audio stream.")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=stream.rate)
            blocks = [out.to_ndarray() for frame in container.decode(stream) for out in resampler.resample(frame)]
            blocks += [out.to_ndarray() for out in resampler.resample(None)]
            rate = stream.rate
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise EngineRejectedInput(f"Cannot read {path.name} as audio: {exc}") from exc
    if not blocks or not rate:
        raise EngineRejectedInput(f"{path.name} contains no audio samples.")
    return DecodedAudio(np.concatenate(blocks, axis=1).astype(np.float32, copy=False), rate)


def resample(samples: np.ndarray, from_rate: int, to_rate: int, length: int | None = None) -> np.ndarray:
    """Resample stereo float32 samples; the result has exactly ``length`` samples
    (default: the input length scaled by the rate ratio)."""
    if length is None:
        length = round(samples.shape[-1] * to_rate / from_rate)
    if from_rate != to_rate:
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=to_rate)
        blocks = []
        for start in range(0, samples.shape[-1], _RESAMPLE_BLOCK):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, start : start + _RESAMPLE_BLOCK]),
                format="fltp",
                layout="stereo",
            )
            frame.sample_rate = from_rate
            blocks += [out.to_ndarray() for out in resampler.resample(frame)]
        blocks += [out.to_ndarray() for out in resampler.resample(None)]
        samples = np.concatenate(blocks, axis=1)
    return fit_length(samples, length)


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """Trim or zero-pad the last axis to exactly ``length`` samples."""
    missing = length - samples.shape[-1]
    if missing <= 0:
        return samples[..., :length]
    return np.pad(samples, ((0, 0), (0, missing)))


def write_stem(path: Path, samples: np.ndarray, samplerate: int) -> None:
    """Write (2, n) float32 samples as 16-bit audio; format from the file suffix.

    Written in blocks so memory stays flat for long tracks. Samples beyond full
    scale are clipped; callers report clipping themselves.
    """
    fmt = path.suffix.lstrip(".")
    blocks = (_to_pcm(samples[:, start : start + _WRITE_BLOCK]) for start in range(0, samples.shape[-1], _WRITE_BLOCK))
    if fmt in ("wav", "flac"):
        with soundfile.SoundFile(str(path), "w", samplerate, 2, "PCM_16", format=fmt.upper()) as out:
            for block in blocks:
                out.write(block)
    elif fmt == "mp3":
        _write_mp3(path, blocks, samplerate)
    else:
        raise EngineRejectedInput(f"Unknown output format {fmt!r}.")
    if not path.is_file():
        raise OSError(f"{path} was not written")


def _to_pcm(block: np.ndarray) -> np.ndarray:
    """(2, n) float -> (n, 2) int16, clipped to full scale."""
    scaled = block.T * 32767.0
    np.clip(scaled, -32767.0, 32767.0, out=scaled)
    return np.rint(scaled, out=scaled).astype(np.int16)


def _write_mp3(path: Path, blocks: Iterable[np.ndarray], samplerate: int) -> None:
    if samplerate > MP3_MAX_RATE:
        raise EngineRejectedInput(f"MP3 cannot hold {samplerate} Hz audio; choose wav or flac for this file.")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BITRATE_KBPS)
    encoder.set_in_sample_rate(samplerate)
    encoder.set_channels(2)
    encoder.set_quality(MP3_QUALITY)
    with open(path, "wb") as out:
        for block in blocks:
            out.write(encoder.encode(np.ascontiguousarray(block).tobytes()))
        out.write(encoder.flush())
