"""Response bodies produced chunk by chunk under ASGI.

Django's ASGI handler reads a synchronous iterator to its end before sending
anything, so a file or a ZIP would sit whole in memory. ClosingStream hands it an
asynchronous iterator instead, doing the blocking work in a worker thread, and
stops that work when the response is closed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

CHUNK = 256 * 1024
_DONE = object()


class ClosingStream:
    """A blocking iterator served chunk by chunk from a worker thread, stopped when the response is.

    Django closes a response (``close``) once it is sent or its client went away; then
    the iterator is closed (so a generator's ``finally`` runs: files closed, work
    stopped) after the chunk in progress, and ``on_close`` runs, once.
    """

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None] = lambda: None):
        self._chunks = chunks
        self._on_close = on_close
        self._lock = threading.Lock()  # held while a chunk is made, so close() waits for it
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._pulled()

    async def _pulled(self) -> AsyncIterator[bytes]:
        while (chunk := await asyncio.to_thread(self._next)) is not _DONE:
            yield chunk

    def _next(self) -> object:
        with self._lock:
            return _DONE if self._closed else next(self._chunks, _DONE)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            if close := getattr(self._chunks, "close", None):
                close()
        finally:
            self._on_close()
