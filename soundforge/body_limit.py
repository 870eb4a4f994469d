"""Request bodies bounded while they arrive, before Django spools them to disk.

Django's ASGI handler reads a whole body into a temporary file before any
middleware, login check or upload handler runs, and uvicorn has no size option.
``BodyLimit`` sits in front: a Content-Length over the route's limit is refused
at once, without reading a byte of the body; a body that streams past the limit
(chunked, or longer than it said) is refused as soon as it does. Either way the
answer is 413 with ``Connection: close``, so the server stops reading, and the
application sees the client go away. Growth is bounded by the limit plus
uvicorn's read buffer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from audio.http.errors import error_body

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Allowance:
    """How many body bytes a route takes, and the sentence that refuses more."""

    max_bytes: int
    refusal: str


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; None when absent or not a number."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() and len(text) <= 19 else None
    return None


class BodyLimit:
    """ASGI middleware: ``allowance(scope)`` gives each HTTP request's limit."""

    def __init__(self, app: App, allowance: Callable[[Scope], Allowance]):
        self.app = app
        self.allowance = allowance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self.allowance(scope)
        declared = declared_length(scope)
        if declared is not None and declared > allowed.max_bytes:
            await refuse(send, allowed.refusal)
            return
        await _Guard(self.app, allowed)(scope, receive, send)


class _Guard:
    """One request: counts the body it passes on, answers 413 once it is too long."""

    def __init__(self, app: App, allowed: Allowance):
        self.app, self.allowed = app, allowed
        self.received = 0
        self.started = self.refused = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.allowed.max_bytes:
                    self.refused = True
                    if not self.started:
                        await refuse(send, self.allowed.refusal)
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def guarded_send(message: Message) -> None:
            if self.refused:
                return  # the 413 is the answer; nothing of the application's may follow
            self.started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


async def refuse(send: Send, detail: str) -> None:
    """A 413 in the API's error shape, closing the connection."""
    body = json.dumps(error_body(detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
