"""Response bodies produced chunk by chunk under ASGI.

Django's ASGI handler reads a synchronous iterator to its end before sending
anything, so a file or a ZIP would sit whole in memory. These helpers hand it an
asynchronous iterator instead, doing the blocking work in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

CHUNK = 256 * 1024
_DONE = object()


async def iterate_in_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull each item of a blocking iterator in a thread, yield it on the event loop."""
    while (chunk := await asyncio.to_thread(next, chunks, _DONE)) is not _DONE:
        yield chunk
