"""16-bit stereo PCM blocks encoded as WAV, FLAC or MP3 bytes as they come, for streamed downloads.

Nothing is seeked back to: the WAV header and the FLAC stream info are written
first with the length known in advance (``frames``), and MP3 needs none. So a
response can send the first bytes before the last sample is computed, and memory
holds one block at a time.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator

import av
import lameenc
import numpy as np

from audio.engines.local.audio_io import MP3_BITRATE_KBPS, MP3_MAX_RATE, MP3_QUALITY

CHANNELS = 2
SAMPLE_BYTES = 2
_WAV_HEADER_BYTES = 44
_STREAMINFO_END = 4 + 4 + 34  # "fLaC", the block's header, STREAMINFO


class EncodingRefused(ValueError):
    """The format cannot hold this audio (an MP3 above 48 kHz)."""


def wav_size(frames: int) -> int:
    """The size in bytes of ``wav_stream``'s output for ``frames`` frames."""
    return _WAV_HEADER_BYTES + frames * CHANNELS * SAMPLE_BYTES


def wav_stream(pcm: Iterator[np.ndarray], *, rate: int, frames: int) -> Iterator[bytes]:
    """A canonical 16-bit PCM WAV: its 44-byte header, then the samples as they come."""
    data = frames * CHANNELS * SAMPLE_BYTES
    yield b"RIFF" + struct.pack("<I", min(36 + data, 0xFFFFFFFF)) + b"WAVE"
    yield b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, CHANNELS, rate, rate * CHANNELS * SAMPLE_BYTES, CHANNELS * SAMPLE_BYTES, 16
    )
    yield b"data" + struct.pack("<I", min(data, 0xFFFFFFFF))
    for block in pcm:
        yield np.ascontiguousarray(block, dtype="<i2").tobytes()


def flac_stream(pcm: Iterator[np.ndarray], *, rate: int, frames: int) -> Iterator[bytes]:
    """16-bit FLAC (FFmpeg's encoder) whose stream info states ``frames`` from the start."""
    sink = _Sink()
    with av.open(sink, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate, layout="stereo")
        stream.format = "s16"
        for block in pcm:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block).reshape(1, -1), format="s16", layout="stereo"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
            yield from sink.drain(frames)
        for packet in stream.encode(None):
            container.mux(packet)
    yield from sink.drain(frames)


def mp3_stream(pcm: Iterator[np.ndarray], *, rate: int, frames: int) -> Iterator[bytes]:
    """Constant-bitrate MP3 (LAME, as the stems are written). Raises EncodingRefused above 48 kHz
    (at once, not when the first bytes are asked for)."""
    if rate > MP3_MAX_RATE:
        raise EncodingRefused(f"MP3 cannot hold {rate} Hz audio; choose WAV or FLAC for this mix.")
    return _mp3_chunks(pcm, rate)


def _mp3_chunks(pcm: Iterator[np.ndarray], rate: int) -> Iterator[bytes]:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BITRATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(CHANNELS)
    encoder.set_quality(MP3_QUALITY)
    for block in pcm:
        if encoded := encoder.encode(np.ascontiguousarray(block).tobytes()):
            yield bytes(encoded)
    yield bytes(encoder.flush())


STREAMS: dict[str, Callable[..., Iterator[bytes]]] = {"wav": wav_stream, "flac": flac_stream, "mp3": mp3_stream}


class _Sink(io.RawIOBase):
    """FFmpeg's output, not seekable (so its muxer never goes back), drained after each block."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._head: bytes | None = b""  # bytes held until the stream info is complete, then None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def drain(self, frames: int) -> Iterator[bytes]:
        written, self._parts = b"".join(self._parts), []
        if self._head is not None:
            self._head += written
            if len(self._head) < _STREAMINFO_END:
                return
            written, self._head = _with_total(self._head, frames), None
        if written:
            yield written


def _with_total(head: bytes, frames: int) -> bytes:
    """The stream's start with the STREAMINFO's 36-bit total of samples set to ``frames``."""
    if head[:4] != b"fLaC" or head[4] & 0x7F:  # FFmpeg writes STREAMINFO first; else leave "unknown"
        return head
    start = 8 + 13  # STREAMINFO's bytes 13 to 17: the last 4 bits of bits per sample, the 36-bit total
    fields = int.from_bytes(head[start : start + 5], "big")
    fields = (fields & ~((1 << 36) - 1)) | (frames & ((1 << 36) - 1))
    return head[:start] + fields.to_bytes(5, "big") + head[start + 5 :]
