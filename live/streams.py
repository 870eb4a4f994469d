"""The live streams open in this web server, the caps on them (per user and in all), and which
model process serves each (LIVE_MODEL_PROCESSES of them, each stream on the least busy)."""

from __future__ import annotations

import asyncio

from django.conf import settings

from live.worker import ModelWorker

_open: dict[str, int] = {}  # stream id -> user id
_workers: list[ModelWorker] = []
_served_by: dict[str, ModelWorker] = {}  # stream id -> its model process


class StreamRefused(Exception):
    """Too many streams; the message says so in the user's terms."""


def stream_open(*, stream_id: str, user_id: int) -> None:
    """Count a new stream, or raise StreamRefused when a cap is reached.

    Streams are counted in the web server's event loop, one at a time, so no lock is needed.
    """
    per_user = settings.LIVE_MAX_STREAMS_PER_USER
    if sum(1 for owner in _open.values() if owner == user_id) >= per_user:
        raise StreamRefused(f"You already have {per_user} live stream(s) open; close one and try again.")
    if len(_open) >= settings.LIVE_MAX_STREAMS:
        raise StreamRefused("The server is separating as many live streams as it can; try again in a few minutes.")
    _open[stream_id] = user_id


def stream_close(*, stream_id: str) -> None:
    _open.pop(stream_id, None)
    _served_by.pop(stream_id, None)


async def stream_worker(*, stream_id: str) -> ModelWorker:
    """The model process of a counted stream: the one serving the fewest streams. A stream's state
    lives in its process, so it stays there. The first stream starts them all (in parallel), so
    later ones never wait for a model to load; raises WorkerUnavailable."""
    if not _workers:
        _workers.extend(
            ModelWorker(loader=settings.LIVE_MODEL_LOADER, threads=settings.LIVE_TORCH_THREADS)
            for _ in range(max(1, settings.LIVE_MODEL_PROCESSES))
        )
    await asyncio.gather(*(worker.start() for worker in _workers))
    if stream_id not in _served_by:
        load = {id(worker): 0 for worker in _workers}
        for worker in _served_by.values():
            load[id(worker)] += 1
        _served_by[stream_id] = min(_workers, key=lambda worker: load[id(worker)])
    return _served_by[stream_id]
