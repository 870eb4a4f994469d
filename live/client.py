"""A client of ``ws/live/`` for scripts: stream audio in, collect each stem, time each frame.

``stream`` sends int16 stereo blocks (as fast as the server takes them, or at
real-time pace) from one thread and reads the server's messages in another, as a
live source would. It records when each input frame left and each output frame
came back, so callers can measure the end-to-end delay.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from websockets.sync.client import connect

from live import protocol

BLOCK_FRAMES = 1024  # frames per audio message: 23 ms


class LiveError(Exception):
    """The server refused the stream or closed it early; the message is the server's."""


@dataclass
class Result:
    ready: dict
    stems: dict[str, np.ndarray]  # stem -> float32 (channels, frames)
    stats: list[dict] = field(default_factory=list)
    delays: np.ndarray | None = None  # seconds from sending input frame k to receiving output frame k
    # (stem index, first frame, frames, input frames sent when it came) of every audio message
    arrivals: list[tuple[int, int, int, int]] = field(default_factory=list)


def to_pcm(samples: np.ndarray) -> bytes:
    """float32 (channels, n) -> int16 LE interleaved bytes."""
    return np.clip(np.round(samples.T * 32768.0), -32768, 32767).astype("<i2").tobytes()


def _pieces(blocks: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, int]]:
    """(message, frames of padding): the stream re-cut into BLOCK_FRAMES messages; a last piece
    under MIN_FRAMES is padded with silence."""
    held = None
    for block in blocks:
        held = block if held is None else np.concatenate([held, block], axis=1)
        while held.shape[1] >= BLOCK_FRAMES:
            yield held[:, :BLOCK_FRAMES], 0
            held = held[:, BLOCK_FRAMES:]
    if held is not None and held.shape[1]:
        padding = max(0, protocol.MIN_FRAMES - held.shape[1])
        yield np.pad(held, ((0, 0), (0, padding))), padding


class _Sender(threading.Thread):
    """Sends the stream's messages, then ``end``; ``sent_at`` holds (first frame, time) of each."""

    def __init__(self, socket, blocks: Iterable[np.ndarray], realtime: bool) -> None:
        super().__init__(daemon=True)
        self.socket, self.blocks, self.realtime = socket, blocks, realtime
        self.sent_at: list[tuple[int, float]] = []
        self.frames = 0  # sent so far (the last message's padding not counted)
        self.padding = 0

    def run(self) -> None:
        began = time.monotonic()
        for piece, padding in _pieces(self.blocks):
            if self.realtime:
                time.sleep(max(0.0, began + self.frames / protocol.SAMPLE_RATE - time.monotonic()))
            self.sent_at.append((self.frames, time.monotonic()))
            # Counted before it goes: output it makes due can come back before send() returns.
            self.frames += piece.shape[1]
            self.padding = padding
            self.socket.send(to_pcm(piece))
        self.socket.send(json.dumps({"type": "end"}))


def stream(
    url: str,
    blocks: Iterable[np.ndarray],
    *,
    token: str | None = None,
    latency_ms: float | None = None,
    realtime: bool = False,
    channels: int = 2,
    headers: dict[str, str] | None = None,
) -> Result:
    """Stream float32 (channels, n) ``blocks`` at 44.1 kHz through ``url``; raises LiveError."""
    start = {"sample_rate": protocol.SAMPLE_RATE, "channels": channels, "model": "spleeter_2stems"}
    if latency_ms is not None:
        start["latency_ms"] = latency_ms
    if token is not None:
        start["token"] = token
    pieces: dict[str, list[tuple[int, np.ndarray]]] = {}
    received_at: list[tuple[int, float]] = []
    arrivals: list[tuple[int, int, int, int]] = []
    stats: list[dict] = []
    with connect(url, additional_headers=headers, max_size=2**20, open_timeout=60) as socket:
        socket.send(json.dumps(start))
        ready = json.loads(socket.recv(timeout=120))
        if ready.get("type") != "ready":
            raise LiveError(ready.get("detail", str(ready)))
        stems = ready["stems"]
        sender = _Sender(socket, blocks, realtime)
        sender.start()
        while True:
            message = socket.recv(timeout=120)
            if isinstance(message, bytes):
                index, first, frames = protocol.read_frame_message(message, channels)
                pieces.setdefault(stems[index], []).append((first, frames))
                arrivals.append((index, first, len(frames), sender.frames))
                if index == 0:
                    received_at.append((first, time.monotonic()))
                continue
            event = json.loads(message)
            if event["type"] == "stats":
                stats.append(event)
            elif event["type"] == "done":
                break
            else:
                raise LiveError(event.get("detail", message))
        sender.join()
    length = sender.frames - sender.padding
    separated = {stem: _assemble(pieces.get(stem, []), channels)[:, :length] for stem in stems}
    return Result(ready, separated, stats, _delays(sender.sent_at, received_at), arrivals)


def _assemble(pieces: list[tuple[int, np.ndarray]], channels: int) -> np.ndarray:
    if not pieces:
        return np.zeros((channels, 0), dtype=np.float32)
    pieces.sort(key=lambda piece: piece[0])
    frames = np.concatenate([frames for _, frames in pieces])
    return frames.T.astype(np.float32) / 32768.0


def _delays(sent_at: list[tuple[int, float]], received_at: list[tuple[int, float]]) -> np.ndarray:
    """For each output message, when its first frame came back minus when that input frame left."""
    if not sent_at or not received_at:
        return np.zeros(0)
    firsts = np.array([frame for frame, _ in sent_at])
    times = np.array([moment for _, moment in sent_at])
    delays = []
    for frame, moment in received_at:
        position = np.searchsorted(firsts, frame, side="right") - 1
        if position >= 0:
            delays.append(moment - times[position])
    return np.array(delays)
