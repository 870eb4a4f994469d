"""Audio in and out for the runner, as streams: decode anything PyAV reads block by
block, resample a stream, write wav/flac/mp3 block by
block. Memory stays flat however long the file is.

Audio is handled as float32 numpy arrays shaped (channels, samples).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
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
BLOCK_FRAMES = 1 << 16


def input_rate(path: Path) -> int:
    """The sample rate of the first audio stream of ``path``.

    Raises EngineRejectedInput when the file is missing or has no audio.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio or not container.streams.audio[0].rate:
                raise EngineRejectedInput(f"{path.name} has no audio stream.")
            return container.streams.audio[0].rate
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise EngineRejectedInput(f"Cannot read {path.name} as audio: {exc}") from exc


def read_blocks(path: Path, *, rate: int, block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Yield ``path`` as (2, block_frames) float32 arrays at ``rate``; the last block may be shorter.

    Raises av.FFmpegError (or OSError) when the file cannot be decoded.
    """
    pending: list[np.ndarray] = []
    held = 0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        frames = itertools.chain(container.decode(stream), [None])
        for frame in frames:
            for out in resampler.resample(frame):
                pending.append(out.to_ndarray())
                held += pending[-1].shape[1]
            while held >= block_frames:
                joined = np.concatenate(pending, axis=1)
                yield joined[:, :block_frames]
                pending, held = [joined[:, block_frames:]], joined.shape[1] - block_frames
    if held:
        yield np.concatenate(pending, axis=1)


def decode_blocks(path: Path, rate: int) -> Iterator[np.ndarray]:
    """read_blocks for the runner: a file that cannot be decoded raises EngineRejectedInput."""
    try:
        yield from read_blocks(path, rate=rate)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise EngineRejectedInput(f"Cannot read {path.name} as audio: {exc}") from exc


def resampled(
    blocks: Iterator[np.ndarray], from_rate: int, to_rate: int, length: int | None = None
) -> Iterator[np.ndarray]:
    """A stream of stereo blocks at ``from_rate`` at ``to_rate``; with ``length``, exactly
    that many samples (cut, or padded with silence, at the end)."""
    if from_rate != to_rate:
        blocks = _swr(blocks, from_rate, to_rate)
    return blocks if length is None else fitted(blocks, length)


def _swr(blocks: Iterator[np.ndarray], from_rate: int, to_rate: int) -> Iterator[np.ndarray]:
    resampler = Resampler(from_rate, to_rate)
    for block in blocks:
        yield from resampler.push(block)
    yield from resampler.flush()


class Resampler:
    """Stereo float32 blocks from one rate to another, pushed one at a time (libswresample,
    whose state carries across blocks: the output does not depend on how the input is cut)."""

    def __init__(self, from_rate: int, to_rate: int):
        self.from_rate = from_rate
        self._swr = av.AudioResampler(format="fltp", layout="stereo", rate=to_rate)

    def push(self, block: np.ndarray) -> list[np.ndarray]:
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block, dtype=np.float32), format="fltp", layout="stereo"
        )
        frame.sample_rate = self.from_rate
        return [out.to_ndarray() for out in self._swr.resample(frame)]

    def flush(self) -> list[np.ndarray]:
        return [out.to_ndarray() for out in self._swr.resample(None)]


def fitted(blocks: Iterator[np.ndarray], length: int) -> Iterator[np.ndarray]:
    """The stream cut or zero-padded to exactly ``length`` samples."""
    passed = 0
    for block in blocks:
        block = block[:, : length - passed]
        if block.shape[1]:
            passed += block.shape[1]
            yield block
    while passed < length:
        missing = min(length - passed, BLOCK_FRAMES)
        passed += missing
        yield np.zeros((2, missing), dtype=np.float32)


class StemWriter:
    """Writes one stem as 16-bit audio block by block; the format comes from the suffix.

    Samples beyond full scale are clipped (the caller reports clipping). Use as a
    context manager; raises EngineRejectedInput for a format or rate it cannot write.
    """

    def __init__(self, path: Path, samplerate: int):
        self.path = path
        fmt = path.suffix.lstrip(".")
        if fmt in ("wav", "flac"):
            self._sound = soundfile.SoundFile(str(path), "w", samplerate, 2, "PCM_16", format=fmt.upper())
        elif fmt == "mp3":
            if samplerate > MP3_MAX_RATE:
                raise EngineRejectedInput(f"MP3 cannot hold {samplerate} Hz audio; choose wav or flac for this file.")
            self._mp3 = lameenc.Encoder()
            self._mp3.set_bit_rate(MP3_BITRATE_KBPS)
            self._mp3.set_in_sample_rate(samplerate)
            self._mp3.set_channels(2)
            self._mp3.set_quality(MP3_QUALITY)
            self._file = open(path, "wb")  # noqa: SIM115 (closed in close())
        else:
            raise EngineRejectedInput(f"Unknown output format {fmt!r}.")
        self.fmt = fmt

    def write(self, samples: np.ndarray) -> None:
        """Append (2, n) float samples."""
        pcm = _to_pcm(samples)
        if self.fmt == "mp3":
            self._file.write(self._mp3.encode(np.ascontiguousarray(pcm).tobytes()))
        else:
            self._sound.write(pcm)

    def close(self) -> None:
        if self.fmt == "mp3":
            with self._file:
                self._file.write(self._mp3.flush())
        else:
            self._sound.close()
        if not self.path.is_file():
            raise OSError(f"{self.path} was not written")

    def __enter__(self) -> StemWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _to_pcm(block: np.ndarray) -> np.ndarray:
    """(2, n) float -> (n, 2) int16, clipped to full scale."""
    scaled = block.T * 32767.0
    np.clip(scaled, -32767.0, 32767.0, out=scaled)
    return np.rint(scaled, out=scaled).astype(np.int16)
