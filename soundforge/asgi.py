"""ASGI entry point: Django over HTTP, Channels consumers over websockets.

Every HTTP request body is bounded while it arrives (soundforge.body_limit): the
upload routes take one file of MAX_UPLOAD_MB, every other route REQUEST_BODY_MAX_KB.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundforge.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from audio.covers import COVER_MAX_BYTES, cover_too_large_message  # noqa: E402
from audio.upload_handler import MULTIPART_OVERHEAD, too_large_message, upload_request_bytes  # noqa: E402
from jobs.routing import websocket_urlpatterns  # noqa: E402
from live.routing import with_live_socket  # noqa: E402
from soundforge.body_limit import Allowance, BodyLimit  # noqa: E402

UPLOAD_ROUTES = frozenset({"track-upload", "api-tracks"})
COVER_ROUTES = frozenset({"api-track-cover"})


def body_allowance(scope: dict) -> Allowance:
    """The upload routes take one file and its multipart wrapping; the rest, small forms and JSON."""
    try:
        route = resolve(scope["path"]).url_name
    except Resolver404:
        route = None
    if route in UPLOAD_ROUTES:
        return Allowance(upload_request_bytes(), too_large_message())
    if route in COVER_ROUTES:
        return Allowance(COVER_MAX_BYTES + MULTIPART_OVERHEAD, cover_too_large_message())
    kilobytes = settings.REQUEST_BODY_MAX_KB
    return Allowance(kilobytes * 1024, f"The request is larger than the {kilobytes} KB this address accepts.")


application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app, body_allowance),
        "websocket": with_live_socket(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
