"""Small real audio files for the fake lalal.ai server's result tracks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

_FORMATS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
}
SUPPORTED = tuple(_FORMATS)


def write_tone(
    path: Path, fmt: str, *, seconds: float = 0.5, frequency: float = 440.0, sample_rate: int = 44100
) -> None:
    """Write a stereo sine tone to ``path`` in ``fmt`` (one of ``SUPPORTED``)."""
    container, subtype = _FORMATS[fmt]
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = 0.2 * np.sin(2 * np.pi * frequency * t)
    soundfile.write(path, np.stack([tone, tone], axis=1), sample_rate, format=container, subtype=subtype)


def write_sparse_wav(path: Path, data_bytes: int, *, sample_rate: int = 44100) -> None:
    """A valid 16-bit stereo WAV of ``data_bytes`` of silence, stored sparsely
    (the data is a hole in the file, so it costs no disk or memory)."""
    block_align = 4
    data_bytes -= data_bytes % block_align
    header = b"".join(
        [
            b"RIFF",
            (36 + data_bytes).to_bytes(4, "little"),
            b"WAVE",
            b"fmt ",
            (16).to_bytes(4, "little"),
            (1).to_bytes(2, "little"),
            (2).to_bytes(2, "little"),
            sample_rate.to_bytes(4, "little"),
            (sample_rate * block_align).to_bytes(4, "little"),
            block_align.to_bytes(2, "little"),
            (16).to_bytes(2, "little"),
            b"data",
            data_bytes.to_bytes(4, "little"),
        ]
    )
    with path.open("wb") as out:
        out.write(header)
        out.truncate(len(header) + data_bytes)
