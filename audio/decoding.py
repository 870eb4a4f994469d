"""Decide whether a file is audio we accept, and read what it says about itself.

The container is sniffed by FFmpeg (through PyAV) from the bytes, never from the
file name. The whole stream is decoded once, frame by frame, so a truncated or
corrupt file is caught at upload time while memory stays flat. Nothing the file
says about itself is trusted for cost: decoding stops as soon as the audio decoded
passes the length limit, and every frame's sample rate and channel count are
checked against the caps, so a refusal costs at most the decoding of
``max_seconds`` of audio at the highest rate allowed.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

logger = logging.getLogger(__name__)

# FFmpeg demuxer name -> the extension the original is stored under.
ACCEPTED_CONTAINERS = {
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "ogg",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "aac": "aac",
    "aiff": "aiff",
}
# A stream that decodes to less than this share of what its header declares was cut short.
TRUNCATION_TOLERANCE = 0.02
OGG_MAX_PAGE = 27 + 255 + 255 * 255
IMAGE_MIME = {"mjpeg": "image/jpeg", "png": "image/png", "bmp": "image/bmp", "webp": "image/webp"}
# Every later stage (separation, waveforms, mixes) costs in proportion to samples, not seconds.
MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 8


class AudioRejected(Exception):
    """The file is not audio we can accept; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AudioInfo:
    extension: str
    codec: str
    duration: float
    sample_rate: int
    channels: int
    tags: dict[str, str] = field(default_factory=dict)
    cover: bytes | None = None
    cover_mime: str = ""


def inspect_audio(path: Path, *, max_seconds: float) -> AudioInfo:
    """Decode ``path`` fully and describe it.

    Raises AudioRejected when it is empty, not audio, in a container we do not
    take, truncated or corrupt, longer than ``max_seconds``, or above
    MAX_SAMPLE_RATE or MAX_CHANNELS.
    """
    if path.stat().st_size == 0:
        raise AudioRejected("The file is empty.")
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        logger.info("Rejected upload %s: %s", path.name, exc)
        raise AudioRejected("The file is not audio that SoundForge can read.") from exc
    with container:
        extension = ACCEPTED_CONTAINERS.get(container.format.name)
        if extension is None or not container.streams.audio:
            raise AudioRejected("The file is not audio in a supported format (wav, mp3, flac, ogg, m4a/aac, aiff).")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # a stream FFmpeg found but cannot decode (cut in its header)
            raise AudioRejected("The file is corrupt: its audio could not be decoded.")
        _check_shape(stream.codec_context.sample_rate or 0, stream.codec_context.channels or 0)
        declared = _declared_seconds(container, stream)
        if extension == "wav":
            declared = _wav_declared_seconds(path) or declared
        if extension == "ogg" and not _ogg_ends_cleanly(path):
            raise AudioRejected("The file is truncated: its last Ogg page is cut off.")
        _check_length(declared, max_seconds)
        duration, cover, cover_mime = _decode_all(container, stream, max_seconds)
        tags = _tags(container, stream)
    sample_rate = stream.codec_context.sample_rate or stream.sample_rate
    if duration == 0 or not sample_rate:
        raise AudioRejected("The file holds no audio samples (empty or corrupt).")
    if declared and duration < declared * (1 - TRUNCATION_TOLERANCE):
        raise AudioRejected(f"The file is truncated: it declares {declared:.1f} s but holds {duration:.1f} s of audio.")
    return AudioInfo(
        extension=extension,
        codec=stream.codec_context.name,
        duration=duration,
        sample_rate=sample_rate,
        channels=stream.codec_context.channels,
        tags=tags,
        cover=cover,
        cover_mime=cover_mime,
    )


def probe_seconds(path: Path) -> float | None:
    """Duration from the file's header without decoding it, or None when unreadable."""
    try:
        with av.open(str(path)) as container:
            return _declared_seconds(container, container.streams.audio[0])
    except (av.FFmpegError, OSError, IndexError) as exc:
        logger.debug("Cannot probe %s: %s", path.name, exc)
        return None


def _check_length(seconds: float | None, max_seconds: float, *, decoding: bool = False) -> None:
    """Refuse ``seconds`` over the limit: as the file declares it, or as decoded so far."""
    if seconds and seconds > max_seconds:
        length = "longer than that" if decoding else f"{seconds:.0f} s long"
        raise AudioRejected(
            f"The track is {length}; the limit is {max_seconds:.0f} s ({max_seconds / 60:.0f} minutes)."
        )


def _check_shape(sample_rate: int, channels: int) -> None:
    if sample_rate > MAX_SAMPLE_RATE:
        raise AudioRejected(
            f"The file's sample rate is {sample_rate} Hz; SoundForge takes up to {MAX_SAMPLE_RATE // 1000} kHz. "
            "Convert it to 48 or 44.1 kHz and upload it again."
        )
    if channels > MAX_CHANNELS:
        raise AudioRejected(
            f"The file has {channels} channels; SoundForge takes up to {MAX_CHANNELS}. "
            "Mix it down to stereo and upload it again."
        )


def _declared_seconds(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _wav_declared_seconds(path: Path) -> float | None:
    """What a RIFF/WAVE header promises; FFmpeg quietly clamps it to the file size."""
    with path.open("rb") as handle:
        if handle.read(12)[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while header := handle.read(8):
            if len(header) < 8:
                return None
            chunk_id, size = struct.unpack("<4sI", header)
            if chunk_id == b"fmt ":
                byte_rate = struct.unpack("<I", handle.read(16)[8:12])[0]
                handle.seek(size - 16 + (size & 1), 1)
            elif chunk_id == b"data":
                # 0 and 0xFFFFFFFF mean "unknown" (written while streaming).
                if not byte_rate or size in (0, 0xFFFFFFFF):
                    return None
                return size / byte_rate
            else:
                handle.seek(size + (size & 1), 1)
    return None


def _ogg_ends_cleanly(path: Path) -> bool:
    """Whether the file ends with a whole Ogg page marked end-of-stream."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - OGG_MAX_PAGE))
        tail = handle.read()
    start = tail.rfind(b"OggS")
    while start >= 0:  # "OggS" may also occur inside a page's payload
        if len(tail) - start >= 27:
            header_type, segments = tail[start + 5], tail[start + 26]
            page_length = 27 + segments + sum(tail[start + 27 : start + 27 + segments])
            if start + page_length == len(tail):
                return bool(header_type & 0x04)
        start = tail.rfind(b"OggS", 0, start)
    return False


def _decode_all(container, audio_stream, max_seconds: float) -> tuple[float, bytes | None, str]:
    """Decode the audio packets, stopping once they pass ``max_seconds``; the seconds
    decoded, and the first attached picture as cover art."""
    pictures = [s for s in container.streams.video if s.disposition & av.stream.Disposition.attached_pic]
    seconds, cover, cover_mime = Fraction(0), None, ""  # exact: a float sum creeps over a limit met exactly
    try:
        for packet in container.demux(audio_stream, *pictures):
            if packet.stream.type == "video":
                if cover is None and packet.size:
                    cover = bytes(packet)
                    cover_mime = IMAGE_MIME.get(packet.stream.codec_context.name, "")
                continue
            for frame in packet.decode():
                if frame.sample_rate <= 0:
                    raise ValueError("a frame without a sample rate")
                _check_shape(frame.sample_rate, frame.layout.nb_channels)
                seconds += Fraction(frame.samples, frame.sample_rate)
            _check_length(seconds, max_seconds, decoding=True)
    except (av.FFmpegError, ValueError) as exc:
        raise AudioRejected("The file is corrupt: its audio could not be decoded.") from exc
    return float(seconds), (cover if cover_mime else None), cover_mime


def _tags(container, stream) -> dict[str, str]:
    merged = {
        **{k.lower(): v for k, v in stream.metadata.items()},
        **{k.lower(): v for k, v in container.metadata.items()},
    }
    return {key: merged[key].strip() for key in ("title", "artist", "album") if merged.get(key, "").strip()}
