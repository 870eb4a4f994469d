"""One live stream's audio between its socket and the model process, against the clock.

The socket side (``push``) only queues: it hands the audio to the model process and
notes when the output it makes due must go at the latest: one model step after the
input came (or after real-time pace would have brought it, for a client slightly
ahead). The sending side (``run``, a task of its own) sends separated output as soon
as it is due and the model has it, and at a deadline sends what the model has not
finished dry (live.delivery); the model then skips what went out dry, so a stream
that fell behind catches up at once instead of computing audio nobody will hear. A
client more than AHEAD_SECONDS ahead of real time plays nothing live: it has no
deadlines and is served as fast as the model goes.
Once MAX_BACKLOG_SECONDS of a stream's audio wait for the model, ``push`` waits too,
and the socket stops reading: nothing is buffered without bound.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

import numpy as np

from live.delivery import Chunk, Delivery
from live.separator import HOP, STEMS, Output, Setting
from live.worker import ModelWorker

SAMPLE_RATE = 44100
MAX_BACKLOG_SECONDS = 5.0
# A client this far ahead of playback pace is not playing what it sends (a file, a script):
# it is served as fast as the model goes, never dry.
AHEAD_SECONDS = 1.0
STATS_SECONDS = 2.0


class Pump:
    def __init__(
        self,
        *,
        worker: ModelWorker,
        stream_id: str,
        setting: Setting,
        channels: int,
        send_chunk: Callable[[Chunk], Awaitable[None]],
        send_stats: Callable[[dict], Awaitable[None]],
    ) -> None:
        self.worker, self.stream_id, self.setting = worker, stream_id, setting
        self.grace = setting.deadline_samples / SAMPLE_RATE
        self.delivery = Delivery(stems=STEMS, channels=channels, latency=setting.latency_samples)
        self.send_chunk, self.send_stats = send_chunk, send_stats
        self.pending: deque[tuple[asyncio.Future, int]] = deque()  # model calls in order, and their frames
        # Input not handed to the model yet: it completes no run of the model. It goes with the
        # message that does, so the model process is called once per run, not once per message.
        self.held: list[bytes] = []
        self.held_frames = 0
        self.runs_fed = 0
        self.deadlines: deque[tuple[int, float]] = deque()  # (output frames due, when they must go)
        self.wake = asyncio.Event()
        self.ending = False
        self.ahead = False
        self.task: asyncio.Task | None = None
        self.clock_start = 0.0
        self.compute_seconds = 0.0
        self.skipped_frames = 0
        self.stats_at = time.monotonic()

    @property
    def received(self) -> int:
        return self.delivery.received

    async def push(self, frames: np.ndarray, data: bytes) -> None:
        """Audio from the socket: int16 (n, channels) and the same as the bytes that came."""
        now = time.monotonic()
        if self.delivery.received == 0:
            self.clock_start = now - len(frames) / SAMPLE_RATE
        self.delivery.add_input(frames)
        self.held.append(data)
        self.held_frames += len(frames)
        runs = self.setting.runs_ready(self.delivery.received)
        if runs > self.runs_fed:
            self.runs_fed = runs
            self._hand_over()
        real_time = self.clock_start + self.delivery.received / SAMPLE_RATE
        if not self.ahead and real_time - now > AHEAD_SECONDS:
            self.ahead = True
            self.deadlines.clear()  # not playing live: even the first frames may wait for the model
        if not self.ahead:
            self.deadlines.append((self.delivery.due(), max(now, real_time) + self.grace))
        self.wake.set()
        while self._backlog() > MAX_BACKLOG_SECONDS * SAMPLE_RATE:
            await asyncio.wait([self.pending[0][0]])
            self._collect()

    def _hand_over(self) -> None:
        """Give the held input to the model."""
        if self.held:
            self.pending.append((self.worker.feed(self.stream_id, b"".join(self.held), self._sent), self.held_frames))
            self.held, self.held_frames = [], 0

    def _sent(self) -> int:
        return self.delivery.sent

    def _backlog(self) -> int:
        return sum(frames for future, frames in self.pending if not future.done())

    def _collect(self) -> None:
        """Take the model's finished answers, in order."""
        while self.pending and self.pending[0][0].done():
            future, _ = self.pending.popleft()
            answer = future.result()  # raises WorkerUnavailable
            if answer is not None:  # None: a later feed in the same batch has the output
                self._add(*answer)

    def _add(self, output: Output, seconds: float, skipped: int) -> None:
        self.delivery.add_wet(output)
        self.compute_seconds += seconds
        self.skipped_frames = skipped

    def start(self) -> asyncio.Task:
        """Start sending (a task: it raises WorkerUnavailable when the model process dies)."""
        self.task = asyncio.create_task(self._run())
        return self.task

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _run(self) -> None:
        while not self.ending:
            self._collect()
            await self._send_due()
            waits = [asyncio.ensure_future(self.wake.wait())]
            if self.pending:
                waits.append(self.pending[0][0])
            timeout = self.deadlines[0][1] - time.monotonic() if self.deadlines else STATS_SECONDS
            await asyncio.wait(waits, timeout=max(timeout, 0), return_when=asyncio.FIRST_COMPLETED)
            waits[0].cancel()
            self.wake.clear()

    async def _send_due(self) -> None:
        delivery = self.delivery
        now = time.monotonic()
        forced = delivery.sent
        while self.deadlines and self.deadlines[0][1] <= now:
            forced = max(forced, self.deadlines.popleft()[0])
        upto = max(min(delivery.due(), delivery.wet_end), forced)
        chunk = delivery.take(upto)
        if chunk is not None:
            await self.send_chunk(chunk)
        if now - self.stats_at >= STATS_SECONDS:
            await self.send_stats(self.stats())

    async def finish(self) -> None:
        """The client sent ``end``: every frame's output goes, separated; then the last stats."""
        self.ending = True
        self.wake.set()
        await self.task  # sends nothing more
        self._hand_over()
        while self.pending:
            await asyncio.wait([self.pending[0][0]])
            self._collect()
        self._add(*await self.worker.finish(self.stream_id))
        chunk = self.delivery.take(self.delivery.received)
        if chunk is not None:
            await self.send_chunk(chunk)
        await self.send_stats(self.stats())

    def stats(self) -> dict:
        self.stats_at = time.monotonic()
        delivery = self.delivery
        hops = max(delivery.wet_end // HOP, 1)
        return {
            "type": "stats",
            "frames_in": delivery.received,
            "frames_out": delivery.sent,
            "fallback_frames": delivery.fallback_frames,
            "skipped_frames": self.skipped_frames,
            "compute_ms_per_hop": round(1000 * self.compute_seconds / hops, 3),
            "queue_depth": len(self.pending),
        }
