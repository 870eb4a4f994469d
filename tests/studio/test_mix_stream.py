"""The mix download streams: its first bytes leave while the mix is still being made, and a
client that goes away stops the render (Django's ASGI handler driven as uvicorn drives it)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from django.core.asgi import get_asgi_application

from studio import mixing
from tests.conftest import run_async, token_header
from tests.studio.conftest import RATE

SECONDS = 30


@pytest.fixture
def counted_blocks(monkeypatch):
    """The 16-bit blocks of mix made so far, and whether their maker has stopped."""
    made, stopped = [], threading.Event()
    real = mixing.mix_pcm

    def counting(plan):
        try:
            for block in real(plan):
                made.append(len(block))
                yield block
        finally:
            stopped.set()

    monkeypatch.setattr(mixing, "mix_pcm", counting)
    return made, stopped


async def download_then_leave(path: str, token: str, made: list, body_chunks: int) -> tuple[list[dict], int]:
    """POST the mix, take ``body_chunks`` chunks of its body, then disconnect; (messages, blocks made by then)."""
    sent, leave, made_then = [], asyncio.Event(), []
    requests = [{"type": "http.request", "body": json.dumps({"vocals": 0.5}).encode(), "more_body": False}]

    async def receive():
        if requests:
            return requests.pop()
        await leave.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if len([m for m in sent if m.get("body")]) == body_chunks and not leave.is_set():
            made_then.append(len(made))
            leave.set()

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(b"authorization", token.encode()), (b"content-type", b"application/json")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }
    await get_asgi_application()(scope, receive, send)
    return sent, made_then[0]


@pytest.mark.django_db(transaction=True)
def test_the_download_starts_before_the_mix_is_made_and_stops_when_its_client_leaves(
    user, complete_job, counted_blocks
):
    made, stopped = counted_blocks
    job = complete_job(seconds=SECONDS)
    all_blocks = -(-SECONDS * RATE // 65536)
    sent, made_at_leaving = run_async(
        download_then_leave(f"/api/jobs/{job.id}/mix/", token_header(user), made, body_chunks=4)
    )
    start = sent[0]
    assert start["type"] == "http.response.start" and start["status"] == 200
    headers = {name.lower(): value for name, value in start["headers"]}
    assert headers[b"content-length"] == str(44 + SECONDS * RATE * 4).encode()
    assert made_at_leaving <= 4 < all_blocks, "the first bytes left with a few blocks of the mix made"
    assert stopped.wait(10), "the client left: the mix stopped being made"
    assert len(made) < all_blocks
    assert user.pk not in mixing.render_pool().users, "its slot is free for the next mix"
