"""``python -m soundforge.web``: the ASGI server (uvicorn), as `make run` and compose start it.

HOST and PORT say where it listens; WEB_MAX_CONNECTIONS bounds open connections and
requests in progress (past it, new ones are answered 503 at once). Behind a proxy,
uvicorn takes the client's address from X-Forwarded-For when the proxy's address is
in FORWARDED_ALLOW_IPS (uvicorn reads that variable itself; default 127.0.0.1).
"""

from __future__ import annotations

import os

import uvicorn

# Seconds an idle keep-alive connection stays open; uvicorn's default, stated.
KEEP_ALIVE_SECONDS = 5
# Largest websocket message read, before anyone is authenticated: live audio messages hold at
# most 16384 stereo int16 frames (64 KiB); uvicorn's default would read 16 MiB.
WS_MAX_MESSAGE_BYTES = 128 * 1024


def main() -> None:
    uvicorn.run(
        "soundforge.asgi:application",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        limit_concurrency=int(os.environ.get("WEB_MAX_CONNECTIONS", "1000")),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        ws_max_size=WS_MAX_MESSAGE_BYTES,
        proxy_headers=True,
        access_log=False,
    )


if __name__ == "__main__":
    main()
