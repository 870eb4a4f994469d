"""Request bodies are refused (413) while they arrive, before they cost disk or memory."""

from __future__ import annotations

import pytest

from soundforge.body_limit import Allowance, BodyLimit
from tests.conftest import run_async
from tests.launched_app import LaunchedApp
from tests.soundforge.body_probe import Peak, post_body, rss_bytes, spooled_bytes

LIMIT = 100
MiB = 1024 * 1024


class ReadingApp:
    """Reads the whole body as Django's ASGI handler does, then answers 200."""

    def __init__(self):
        self.body, self.disconnected = b"", False

    async def __call__(self, scope, receive, send):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def call(body_parts: list[bytes], *, content_length: int | None) -> tuple[ReadingApp, list[dict], int]:
    """Run one request through BodyLimit; returns the app, what was sent, and messages read."""
    app, sent, read = ReadingApp(), [], [0]
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    messages = [
        {"type": "http.request", "body": part, "more_body": index < len(body_parts) - 1}
        for index, part in enumerate(body_parts)
    ]

    async def receive():
        read[0] += 1
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    limited = BodyLimit(app, lambda scope: Allowance(LIMIT, "Too big."))
    run_async(limited({"type": "http", "path": "/", "headers": headers}, receive, send))
    return app, sent, read[0]


def status_of(sent: list[dict]) -> int:
    return next(message["status"] for message in sent if message["type"] == "http.response.start")


@pytest.mark.parametrize("size", [0, LIMIT - 1, LIMIT])
def test_a_declared_body_up_to_the_limit_reaches_the_application(size):
    app, sent, _ = call([b"x" * size], content_length=size)
    assert status_of(sent) == 200 and app.body == b"x" * size


def test_a_declared_body_over_the_limit_is_refused_unread():
    app, sent, read = call([b"x" * (LIMIT + 1)], content_length=LIMIT + 1)
    assert status_of(sent) == 413
    assert read == 0, "not a byte of the body was read"
    assert app.body == b""
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"] == b'{"detail": "Too big."}'


@pytest.mark.parametrize("parts", [[b"x" * 50, b"x" * 50], [b"x" * LIMIT, b""]])
def test_a_streamed_body_at_the_limit_is_passed_on(parts):
    app, sent, _ = call(parts, content_length=None)
    assert status_of(sent) == 200 and len(app.body) == LIMIT


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit():
    parts = [b"x" * 60, b"x" * 41] + [b"x" * 1000] * 50
    app, sent, read = call(parts, content_length=None)
    assert status_of(sent) == 413
    assert read == 2, "reading stopped at the chunk that passed the limit"
    assert app.disconnected and len(app.body) == 60
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]


def test_a_body_longer_than_its_content_length_is_cut_off_too():
    app, sent, _ = call([b"x" * 80, b"x" * 80], content_length=80)
    assert status_of(sent) == 413 and app.disconnected


@pytest.fixture(scope="module")
def small_limits_app(tmp_path_factory):
    """The app as `make run` starts it, with a 1 MiB upload limit and its own TMPDIR."""
    tmp = tmp_path_factory.mktemp("body-limit")
    (tmp / "spool").mkdir()
    app = LaunchedApp(tmp, extra_env={"MAX_UPLOAD_MB": "1", "TMPDIR": str(tmp / "spool")})
    app.start()
    web = app.web_pid()
    yield app, web, tmp / "spool"
    app.stop()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("path", "limit"), [("/login/", 1024 * 1024), ("/api/tracks/", MiB + 64 * 1024), ("/tracks/upload", MiB)]
)
def test_ten_times_the_limit_is_refused_while_it_arrives(small_limits_app, path, limit, chunked):
    app, web, spool = small_limits_app
    rss_before = rss_bytes(web)
    with Peak(lambda: spooled_bytes(web, spool)) as disk, Peak(lambda: rss_bytes(web)) as memory:
        status, _ = post_body(app.port, path, 10 * limit, chunked=chunked)
    assert status == 413
    assert disk.peak <= limit, f"{disk.peak} bytes spooled to disk"
    assert memory.peak - rss_before < limit + 8 * MiB, "memory grew with the body"
    assert app.health()["ok"], "the server still answers"


def test_an_upload_at_the_limit_is_read(small_limits_app):
    app, _, _ = small_limits_app
    status, sent = post_body(app.port, "/api/tracks/", MiB + 64 * 1024, chunked=False)
    assert status == 401 and sent == MiB + 64 * 1024, "read whole, then refused for want of credentials"
