"""Where ``ws/live/`` sits among the websockets, and who may open it.

Browsers send an Origin header: it must be one of ALLOWED_HOSTS (as for the job
events socket), and then the session may authenticate the stream. Scripts send no
Origin and no cookies: they authenticate with a token in their first message.
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator

from live.consumers import BROWSER, LiveConsumer

LIVE_PATH = "/ws/live/"


class OriginGate:
    """An Origin header must be allowed; without one, the session is not looked at."""

    def __init__(self, consumer) -> None:
        self.browser = AllowedHostsOriginValidator(AuthMiddlewareStack(consumer))
        self.script = consumer

    async def __call__(self, scope, receive, send):
        if any(name == b"origin" for name, _ in scope.get("headers", ())):
            return await self.browser({**scope, BROWSER: True}, receive, send)
        return await self.script({**scope, BROWSER: False}, receive, send)


def with_live_socket(other):
    """The websocket application: ``ws/live/`` here, every other path to ``other``."""
    live = OriginGate(LiveConsumer.as_asgi())

    async def route(scope, receive, send):
        if scope["path"] == LIVE_PATH:
            return await live(scope, receive, send)
        return await other(scope, receive, send)

    return route
