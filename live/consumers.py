"""``ws/live/``: a client streams PCM in and hears each stem back (docs/live-protocol.md).

The socket is opened by a browser (its session; the Origin was checked on the way
in, see live.routing) or by a script, whose first message carries its API token.
Audio goes through the stream's pump (live.pump) to the model process (live.worker).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.services import TokenInvalid, token_user
from accounts.sockets import session_group
from accounts.sockets import user_group as account_group
from live import protocol
from live.delivery import Chunk, to_int16
from live.pump import Pump
from live.separator import STEMS, setting_for
from live.streams import StreamRefused, stream_close, stream_open, stream_worker
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
WORKER_GONE = "Live separation stopped on the server; start the stream again."


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.start = None
        self.stream_id = uuid.uuid4().hex
        # counted: in the caps; opened: has state in the model process; ended: takes no more messages
        self.counted = self.opened = self.ended = self.refused = self.busy = False
        self.pump: Pump | None = None
        self.last_message = time.monotonic()
        await self.accept()
        self.watchdog = asyncio.create_task(self._watch_idle())

    async def disconnect(self, code: int) -> None:
        self.watchdog.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.pump is not None:
            self.pump.stop()
        if self.opened:
            await self.worker.close(self.stream_id)
        if self.counted:
            stream_close(stream_id=self.stream_id)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        self.last_message = time.monotonic()
        if self.ended:
            return
        self.busy = True  # the idle clock stops while a message is handled (a model loading, backpressure)
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
            await self._refuse(WORKER_GONE, SERVER_ERROR)
        finally:
            self.busy = False
            self.last_message = time.monotonic()

    async def _refuse(self, detail: str, code: int) -> None:
        if self.refused:
            return
        self.ended = self.refused = True
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
        await self._join_account_groups(user)
        setting = setting_for(start.latency_ms)
        worker = self.worker = await stream_worker(stream_id=self.stream_id)
        await worker.open(self.stream_id, setting, start.channels)
        self.opened = True
        self.start = start
        self.pump = Pump(
            worker=worker,
            stream_id=self.stream_id,
            setting=setting,
            channels=start.channels,
            send_chunk=self.send_chunk,
            send_stats=self.send_stats,
        )
        self.pumping = asyncio.create_task(self._pumping())
        self.max_frames = settings.LIVE_MAX_STREAM_SECONDS * protocol.SAMPLE_RATE
        logger.info("Live stream %s for user %s: %.0f ms", self.stream_id, user.pk, setting.latency_ms)
        await self.send(text_data=protocol.ready_message(stems=STEMS, latency_samples=setting.latency_samples))

    async def _join_account_groups(self, user) -> None:
        """A password change closes the stream; so does a log-out of the session that opened it."""
        self.groups_joined = [account_group(user.pk)]
        session = self.scope.get("session")
        if self.scope.get(BROWSER) and session is not None and session.session_key:
            self.groups_joined.append(session_group(session.session_key))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def account_close(self, event: dict) -> None:
        await self._refuse("You were logged out; log in again to stream.", UNAUTHENTICATED)

    async def _audio(self, data: bytes) -> None:
        frames = protocol.parse_audio(data, self.start)
        if self.pump.received + len(frames) > self.max_frames:
            limit = settings.LIVE_MAX_STREAM_SECONDS
            await self._refuse(f"A live stream may last {limit} s; start a new one.", TOO_LONG)
            return
        await self.pump.push(frames, data)

    async def _pumping(self) -> None:
        try:
            await self.pump.start()
        except WorkerUnavailable:
            await self._refuse(WORKER_GONE, SERVER_ERROR)

    async def send_chunk(self, chunk: Chunk) -> None:
        for index, stem in enumerate(STEMS):
            frames = to_int16(chunk.stems[stem])
            for offset in range(0, len(frames), protocol.MAX_FRAMES):
                piece = frames[offset : offset + protocol.MAX_FRAMES]
                await self.send(bytes_data=protocol.frame_message(index, chunk.start + offset, piece))

    async def send_stats(self, stats: dict) -> None:
        await self.send(text_data=json.dumps(stats))

    async def _end(self) -> None:
        self.ended = True
        self.opened = False  # finishing forgets the stream in the model process
        await self.pump.finish()
        await self.send(text_data=json.dumps({"type": "done"}))
        await self.close(code=1000)

    async def _watch_idle(self) -> None:
        """Close a socket that sends nothing: its first message within FIRST_MESSAGE_SECONDS,
        then audio at least every LIVE_IDLE_SECONDS."""
        while True:
            limit = FIRST_MESSAGE_SECONDS if self.start is None else settings.LIVE_IDLE_SECONDS
            wait = self.last_message + limit - time.monotonic()
            if wait <= 0 and not (self.ended or self.busy):
                await self._refuse(f"Closed after {limit} s without a message; start the stream again.", IDLE)
                return
            await asyncio.sleep(min(max(wait, 0.2), 1.0))
