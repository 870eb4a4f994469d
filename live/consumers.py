"""``ws/live/``: a client streams PCM in and hears each stem back (docs/live-protocol.md).

The socket is opened by a browser (its session; the Origin was checked on the way
in, see live.routing) or by a script, whose first message carries its API token.
Audio goes to the model process (live.worker) and the socket never waits on the
model longer than the stream's deadline: what is not separated by then is sent
dry (live.delivery). A client faster than real time is served as fast as the model
goes: its next message is read once the output it made due has been sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.services import TokenInvalid, token_user
from live import protocol
from live.delivery import Delivery, to_int16
from live.separator import HOP, STEMS, setting_for
from live.streams import StreamRefused, model_worker, stream_close, stream_open
from live.worker import WorkerUnavailable

logger = logging.getLogger(__name__)

BROWSER = "live_browser"  # scope key set by live.routing: an Origin header came, and was allowed
UNAUTHENTICATED = 4401
BAD_MESSAGE = 4400
IDLE = 4408
TOO_LONG = 4413
TOO_MANY = 4429
SERVER_ERROR = 1011
FIRST_MESSAGE_SECONDS = 10
STATS_SECONDS = 2.0
MAX_PENDING = 8  # audio messages the model may be behind before the socket stops reading


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.start = None
        self.stream_id = uuid.uuid4().hex
        # counted: in the caps; opened: has state in the model process; ended: takes no more messages
        self.counted = self.opened = self.ended = False
        self.pending: deque[asyncio.Future] = deque()
        self.last_message = time.monotonic()
        self.compute_seconds = 0.0
        self.hops = 0
        self.stats_at = 0.0
        await self.accept()
        self.watchdog = asyncio.create_task(self._watch_idle())

    async def disconnect(self, code: int) -> None:
        self.watchdog.cancel()
        if self.counted:
            stream_close(stream_id=self.stream_id)
        if self.opened:
            await model_worker().close(self.stream_id)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        self.last_message = time.monotonic()
        if self.ended:
            return
        try:
            if self.start is None:
                await self._begin(text_data)
            elif bytes_data is not None:
                await self._audio(bytes_data)
            elif protocol.parse_text(text_data) == "end":
                await self._end()
        except protocol.ProtocolError as exc:
            await self._refuse(str(exc), BAD_MESSAGE)
        except WorkerUnavailable:
            await self._refuse("Live separation stopped on the server; start the stream again.", SERVER_ERROR)

    async def _refuse(self, detail: str, code: int) -> None:
        self.ended = True
        await self.send(text_data=protocol.error_message(detail))
        await self.close(code=code, reason=detail[:120])

    async def _user(self, start: protocol.Start):
        if start.token is not None:
            try:
                user, _ = await database_sync_to_async(token_user)(key=start.token)
            except TokenInvalid as exc:
                return None, exc.message
            return user, None
        user = self.scope.get("user")
        if self.scope.get(BROWSER) and user is not None and user.is_authenticated:
            return user, None
        return None, 'Log in, or send your API token in the first message: {"token": "..."}.'

    async def _begin(self, text: str | None) -> None:
        start = protocol.parse_start(text)
        user, problem = await self._user(start)
        if user is None:
            await self._refuse(problem, UNAUTHENTICATED)
            return
        try:
            stream_open(stream_id=self.stream_id, user_id=user.pk)
        except StreamRefused as exc:
            await self._refuse(str(exc), TOO_MANY)
            return
        self.counted = True
        setting = setting_for(start.latency_ms)
        worker = model_worker()
        await worker.start()
        await worker.open(self.stream_id, setting, start.channels)
        self.opened = True
        self.start, self.setting = start, setting
        self.delivery = Delivery(stems=STEMS, channels=start.channels, latency=setting.latency_samples)
        self.max_frames = settings.LIVE_MAX_STREAM_SECONDS * protocol.SAMPLE_RATE
        logger.info("Live stream %s for user %s: %.0f ms", self.stream_id, user.pk, setting.latency_ms)
        await self.send(text_data=protocol.ready_message(stems=STEMS, latency_samples=setting.latency_samples))

    async def _audio(self, data: bytes) -> None:
        frames = protocol.parse_audio(data, self.start)
        if self.delivery.received + len(frames) > self.max_frames:
            limit = settings.LIVE_MAX_STREAM_SECONDS
            await self._refuse(f"A live stream may last {limit} s; start a new one.", TOO_LONG)
            return
        if self.delivery.received == 0:
            self.clock_start = time.monotonic() - len(frames) / protocol.SAMPLE_RATE
        self.delivery.add_input(frames)
        self.pending.append(model_worker().feed(self.stream_id, data))
        await self._deliver()
        while len(self.pending) > MAX_PENDING:  # the model is far behind: stop reading until it catches up
            await self._collect(self.pending.popleft())

    def _deadline(self) -> float:
        """When output due now must go, separated or not: a step's time after the input was due
        at real-time pace, or after it came, whichever is later."""
        real_time = self.clock_start + self.delivery.received / protocol.SAMPLE_RATE
        return max(time.monotonic(), real_time) + self.setting.step * HOP / protocol.SAMPLE_RATE

    async def _deliver(self) -> None:
        due = self.delivery.due()
        deadline = self._deadline()
        while self.pending and (self.pending[0].done() or self.delivery.wet_end < due):
            if not self.pending[0].done():
                try:
                    await asyncio.wait_for(asyncio.shield(self.pending[0]), max(deadline - time.monotonic(), 0))
                except TimeoutError:
                    break
            await self._collect(self.pending.popleft())
        await self._send_chunk(self.delivery.take(due))
        if time.monotonic() - self.stats_at > STATS_SECONDS:
            await self._send_stats()

    async def _collect(self, future: asyncio.Future) -> None:
        output, seconds = await future
        self.delivery.add_wet(output)
        self.compute_seconds += seconds
        self.hops = max(self.hops, self.delivery.wet_end // HOP)

    async def _send_chunk(self, chunk) -> None:
        if chunk is None:
            return
        for index, stem in enumerate(STEMS):
            frames = to_int16(chunk.stems[stem])
            for offset in range(0, len(frames), protocol.MAX_FRAMES):
                piece = frames[offset : offset + protocol.MAX_FRAMES]
                await self.send(bytes_data=protocol.frame_message(index, chunk.start + offset, piece))

    async def _send_stats(self) -> None:
        self.stats_at = time.monotonic()
        delivery = self.delivery
        stats = {
            "type": "stats",
            "frames_in": delivery.received,
            "frames_out": delivery.sent,
            "fallback_frames": delivery.fallback_frames,
            "compute_ms_per_hop": round(1000 * self.compute_seconds / max(self.hops, 1), 3),
            "queue_depth": len(self.pending),
        }
        await self.send(text_data=json.dumps(stats))

    async def _end(self) -> None:
        while self.pending:
            await self._collect(self.pending.popleft())
        self.ended = True
        self.opened = False  # finishing forgets the stream in the model process
        await self._collect(model_worker().finish(self.stream_id))
        await self._send_chunk(self.delivery.take(self.delivery.received))
        await self._send_stats()
        await self.send(text_data=json.dumps({"type": "done"}))
        await self.close(code=1000)

    async def _watch_idle(self) -> None:
        """Close a socket that sends nothing: its first message within FIRST_MESSAGE_SECONDS,
        then audio at least every LIVE_IDLE_SECONDS."""
        while True:
            limit = FIRST_MESSAGE_SECONDS if self.start is None else settings.LIVE_IDLE_SECONDS
            wait = self.last_message + limit - time.monotonic()
            if wait <= 0 and not self.ended:
                await self._refuse(f"Closed after {limit} s without a message; start the stream again.", IDLE)
                return
            await asyncio.sleep(min(max(wait, 0.2), 1.0))
