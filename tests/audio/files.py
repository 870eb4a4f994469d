"""Audio files for tests, made on the spot: exact WAVs in Python, the rest with ffmpeg."""

from __future__ import annotations

import base64
import math
import struct
import subprocess
import wave
from pathlib import Path

RATE = 44100


def write_wav(path: Path, *, frames: int, rate: int = RATE, channels: int = 2, freq: float = 440.0) -> Path:
    """A 16-bit sine WAV with exactly ``frames`` frames (header 44 bytes)."""
    samples = bytearray()
    for i in range(frames):
        value = int(8000 * math.sin(2 * math.pi * freq * i / rate))
        samples += struct.pack("<h", value) * channels
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
    return path


def wav_of_size(path: Path, size: int) -> Path:
    """A valid stereo 16-bit WAV whose file is exactly ``size`` bytes (size - 44 divisible by 4)."""
    assert (size - 44) % 4 == 0
    return write_wav(path, frames=(size - 44) // 4, freq=220.0)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def cover_png(path: Path, color: str = "red") -> Path:
    ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s=64x64", "-frames:v", "1", str(path))
    return path


def encode(
    source: Path,
    target: Path,
    *,
    tags: dict[str, str] | None = None,
    cover: Path | None = None,
    extra: tuple[str, ...] = (),
) -> Path:
    """Encode ``source`` into ``target``'s format, with tags and an attached picture."""
    args = ["-i", str(source)]
    if cover is not None:
        args += [
            "-i",
            str(cover),
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-disposition:v",
            "attached_pic",
            "-c:v",
            "png" if target.suffix == ".flac" else "mjpeg",
        ]
    for key, value in (tags or {}).items():
        args += ["-metadata", f"{key}={value}"]
    ffmpeg(*args, *extra, str(target))
    return target


def ogg_picture_tag(image: Path, mime: str = "image/png") -> str:
    """A METADATA_BLOCK_PICTURE comment value: how Vorbis files carry cover art."""
    data = image.read_bytes()
    block = struct.pack(">I", 3) + struct.pack(">I", len(mime)) + mime.encode()
    block += struct.pack(">I", 0) + struct.pack(">IIII", 64, 64, 24, 0)
    block += struct.pack(">I", len(data)) + data
    return base64.b64encode(block).decode()


def temporary_upload(path: Path):
    """``path`` as the upload handler hands it to services: on disk, with its sha256."""
    import hashlib

    from django.core.files.uploadedfile import TemporaryUploadedFile

    data = path.read_bytes()
    upload = TemporaryUploadedFile(path.name, "application/octet-stream", len(data), None)
    upload.write(data)
    upload.flush()
    upload.sha256 = hashlib.sha256(data).hexdigest()
    return upload
