"""The live streams open in this web server, and the caps on them (per user and in all)."""

from __future__ import annotations

from django.conf import settings

from live.worker import ModelWorker

_open: dict[str, int] = {}  # stream id -> user id
_worker: ModelWorker | None = None


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


def model_worker() -> ModelWorker:
    """The web server's one model process (started on first use)."""
    global _worker
    if _worker is None:
        _worker = ModelWorker(loader=settings.LIVE_MODEL_LOADER, threads=settings.LIVE_TORCH_THREADS)
    return _worker
