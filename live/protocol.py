"""The live socket's wire protocol (docs/live-protocol.md): checking what a client sends,
framing what the server sends.

Every check is on sizes known before any audio is decoded: a first message of at
most START_MAX_BYTES, audio messages of whole int16 frames, MIN_FRAMES to
MAX_FRAMES of them. A ProtocolError's message is for the client.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 44100
MODELS = ("spleeter_2stems",)
CHANNEL_COUNTS = (1, 2)
SAMPLE_BYTES = 2  # int16
MIN_FRAMES = 128
MAX_FRAMES = 16384
START_MAX_BYTES = 4096
TEXT_MAX_BYTES = 1024
MAX_LATENCY_MS = 10_000
START_FIELDS = frozenset({"sample_rate", "channels", "model", "latency_ms", "token"})
# uint8 stem index, 3 zero bytes, uint32 index of the first frame: little-endian.
HEADER = struct.Struct("<B3xI")
MAX_FRAME_INDEX = 2**32 - 1


class ProtocolError(Exception):
    """A message the protocol does not allow; the text says what to send instead."""


@dataclass(frozen=True)
class Start:
    """The first message: the stream's format, the latency wanted, and a token for scripts."""

    sample_rate: int
    channels: int
    model: str
    latency_ms: float | None
    token: str | None

    @property
    def frame_bytes(self) -> int:
        return self.channels * SAMPLE_BYTES


def _json_object(text: str, limit: int) -> dict:
    if len(text) > limit:
        raise ProtocolError(f"Text messages must be under {limit} bytes.")
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        raise ProtocolError("Text messages must be JSON objects.") from None
    if not isinstance(message, dict):
        raise ProtocolError("Text messages must be JSON objects.")
    return message


def _integer(message: dict, name: str) -> int:
    value = message.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f'"{name}" must be a whole number.')
    return value


def parse_start(text: str | None) -> Start:
    """The first message, checked; raises ProtocolError saying what is wrong."""
    if text is None:
        raise ProtocolError('Send the stream\'s format first, as JSON: {"sample_rate": 44100, "channels": 2, ...}.')
    message = _json_object(text, START_MAX_BYTES)
    unknown = sorted(set(message) - START_FIELDS)
    if unknown:
        raise ProtocolError(f"Unknown field {unknown[0]!r}; allowed: {', '.join(sorted(START_FIELDS))}.")
    sample_rate = _integer(message, "sample_rate")
    if sample_rate != SAMPLE_RATE:
        raise ProtocolError(f"Only {SAMPLE_RATE} Hz audio is separated live; resample the stream to {SAMPLE_RATE} Hz.")
    channels = _integer(message, "channels")
    if channels not in CHANNEL_COUNTS:
        raise ProtocolError('"channels" must be 1 (mono) or 2 (stereo).')
    model = message.get("model", MODELS[0])
    if model not in MODELS:
        raise ProtocolError(f"Live separation runs {', '.join(MODELS)} only.")
    latency_ms = message.get("latency_ms")
    if latency_ms is not None and (
        isinstance(latency_ms, bool) or not isinstance(latency_ms, int | float) or not 0 < latency_ms <= MAX_LATENCY_MS
    ):
        raise ProtocolError(f'"latency_ms" must be a number of milliseconds from 1 to {MAX_LATENCY_MS}.')
    token = message.get("token")
    if token is not None and (not isinstance(token, str) or not 0 < len(token) <= 128):
        raise ProtocolError('"token" must be the API token as a string.')
    return Start(sample_rate, channels, model, latency_ms, token)


def parse_text(text: str) -> str:
    """A text message after the first: only ``{"type": "end"}``; returns the type."""
    message = _json_object(text, TEXT_MAX_BYTES)
    if message.get("type") != "end":
        raise ProtocolError('After the first message, text messages are {"type": "end"} only; audio goes as binary.')
    return "end"


def parse_audio(data: bytes, start: Start) -> np.ndarray:
    """An audio message as int16 (frames, channels); raises ProtocolError unless it holds
    MIN_FRAMES to MAX_FRAMES whole frames."""
    if len(data) % start.frame_bytes:
        raise ProtocolError(
            f"Audio messages must hold whole frames: int16 little-endian, {start.channels} interleaved channel(s)."
        )
    frames = len(data) // start.frame_bytes
    if not MIN_FRAMES <= frames <= MAX_FRAMES:
        raise ProtocolError(f"Audio messages must hold {MIN_FRAMES} to {MAX_FRAMES} frames; this one held {frames}.")
    return np.frombuffer(data, dtype="<i2").reshape(frames, start.channels)


def frame_message(stem_index: int, first_frame: int, frames: np.ndarray) -> bytes:
    """A server audio message: the header, then int16 LE interleaved (frames, channels)."""
    return HEADER.pack(stem_index, first_frame) + np.ascontiguousarray(frames, dtype="<i2").tobytes()


def read_frame_message(data: bytes, channels: int) -> tuple[int, int, np.ndarray]:
    """(stem index, first frame, int16 (frames, channels)) of a server audio message, for clients."""
    stem_index, first_frame = HEADER.unpack_from(data)
    if data[1:4] != b"\0\0\0":
        raise ProtocolError("The header's bytes 1 to 3 must be zero.")
    frames = np.frombuffer(data, dtype="<i2", offset=HEADER.size).reshape(-1, channels)
    return stem_index, first_frame, frames


def ready_message(*, stems: tuple[str, ...], latency_samples: int) -> str:
    return json.dumps(
        {"type": "ready", "stems": list(stems), "latency_samples": latency_samples, "sample_rate": SAMPLE_RATE}
    )


def error_message(detail: str) -> str:
    return json.dumps({"type": "error", "detail": detail})
