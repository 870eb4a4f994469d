"""ws/live/ on the app as `make run` starts it: a rendered mix streamed through it comes back
separated as well as the offline model does; who may open it; bad messages; the caps."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import requests
import torch
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from audio.engines.local.spleeter.separator import SpleeterSeparator
from live import protocol
from live.client import stream
from live.separator import STEMS, StreamSeparator, setting_for
from tests.audio.mixtures import render_mixture, sdr
from tests.launched_app import descendants
from tests.live.conftest import PASSWORD, sign_up, socket_url

START = {"sample_rate": 44100, "channels": 2, "model": "spleeter_2stems"}


@pytest.fixture(scope="module")
def alice(server):
    return sign_up(server, "alice")


@contextlib.contextmanager
def opened(app, first: dict | None = None, headers: dict | None = None):
    """A connected socket that has sent ``first``."""
    with connect(socket_url(app), additional_headers=headers, open_timeout=30) as socket:
        if first is not None:
            socket.send(json.dumps(first))
        yield socket


def refusal(socket) -> tuple[dict, int, str]:
    """The error message, close code and reason of a socket the server refuses."""
    message = json.loads(socket.recv(timeout=30))
    with pytest.raises(ConnectionClosed):
        socket.recv(timeout=30)
    return message, socket.close_code, socket.close_reason


def closing_error(socket, timeout: float = 30) -> tuple[dict, int]:
    """The error a stream ends with (its output and stats before it passed over), and the close code."""
    while True:
        message = socket.recv(timeout=timeout)
        if isinstance(message, str) and json.loads(message)["type"] == "error":
            break
    with pytest.raises(ConnectionClosed):
        socket.recv(timeout=10)
    return json.loads(message), socket.close_code


def ready(socket) -> dict:
    message = json.loads(socket.recv(timeout=120))
    assert message["type"] == "ready", message
    return message


def test_a_streamed_mix_comes_back_as_well_separated_as_offline(server, alice, tmp_path):
    mixture = render_mixture(tmp_path, seconds=20.0)
    result = stream(socket_url(server), [mixture.mix], token=alice.token)
    latency = result.ready["latency_samples"]
    assert result.ready["stems"] == ["vocals", "accompaniment"]
    assert latency / 44100 <= 0.5
    offline = SpleeterSeparator.load().separate(torch.from_numpy(mixture.mix))
    references = {"vocals": mixture.vocals, "accompaniment": mixture.accompaniment}
    for stem, reference in references.items():
        assert result.stems[stem].shape == mixture.mix.shape, "every input frame has its output"
        live_sdr, offline_sdr = sdr(reference, result.stems[stem]), sdr(reference, offline[stem].numpy())
        print(f"{stem}: live {live_sdr:.2f} dB, offline {offline_sdr:.2f} dB")
        assert live_sdr >= offline_sdr - 1.0, stem
    assert result.stats[-1]["fallback_frames"] == 0
    for stem_index in (0, 1):
        messages = [(first, count) for index, first, count, _ in result.arrivals if index == stem_index]
        starts = [first for first, _ in messages]
        assert starts[0] == 0 and all(a + n == b for (a, n), b in zip(messages, starts[1:])), "in order, no gap"
    early = [(first, count, sent) for _, first, count, sent in result.arrivals if first + count - 1 + latency >= sent]
    # Only what `end` flushed may come before input frame k + L exists.
    assert all(first + count >= mixture.mix.shape[1] - latency for first, count, _ in early)


def test_streams_at_once_share_the_model_and_each_comes_back_as_if_alone(server, alice, tmp_path):
    """Three streams at once on two model processes: the streams of one process are separated in
    shared passes, and each stream's output is its own, as the separator gives it alone."""
    bob = sign_up(server, "bob")
    jobs = [(alice, 5.0, None), (alice, 6.0, 250), (bob, 7.0, None)]
    mixes = [render_mixture(tmp_path / str(seconds), seconds=seconds).mix for _, seconds, _ in jobs]
    results: list = [None] * len(jobs)

    def one(index: int) -> None:
        user, _, latency_ms = jobs[index]
        results[index] = stream(socket_url(server), [mixes[index]], token=user.token, latency_ms=latency_ms)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    model = SpleeterSeparator.load()
    for (_, _, latency_ms), mix, result in zip(jobs, mixes, results, strict=True):
        alone = StreamSeparator(model, setting_for(latency_ms))
        out = [alone.feed(mix), alone.finish()]
        assert result.stats[-1]["fallback_frames"] == 0
        for stem in STEMS:
            expected = np.concatenate([piece.stems[stem] for piece in out], axis=1)
            assert np.max(np.abs(result.stems[stem] - expected)) < 5e-4, "int16 rounding apart"


def test_a_browser_session_from_an_allowed_origin_opens_it(server, alice):
    cookie = f"sessionid={alice.cookies['sessionid']}"
    with opened(server, {**START, "latency_ms": 250}, {"Origin": server.url, "Cookie": cookie}) as socket:
        assert ready(socket)["latency_samples"] / 44100 <= 0.25


@pytest.mark.parametrize(
    "first, headers, words",
    [
        (START, None, "send your API token"),
        ({**START, "token": "0" * 40}, None, "Invalid token"),
        (START, "session without origin", "send your API token"),
    ],
    ids=["nothing", "unknown token", "cookies but no origin"],
)
def test_anything_else_is_closed_4401(server, alice, first, headers, words):
    if headers == "session without origin":
        headers = {"Cookie": f"sessionid={alice.cookies['sessionid']}"}
    with opened(server, first, headers) as socket:
        message, code, _ = refusal(socket)
    assert code == 4401 and message["type"] == "error" and words in message["detail"]


def test_a_foreign_origin_is_refused_at_the_handshake(server, alice):
    cookie = f"sessionid={alice.cookies['sessionid']}"
    with pytest.raises(InvalidStatus), opened(server, None, {"Origin": "https://evil.example", "Cookie": cookie}):
        pass


@pytest.mark.parametrize(
    "first, audio, words",
    [
        ({**START, "sample_rate": 48000}, None, "resample the stream to 44100 Hz"),
        (START, bytes(4 * 1024 + 1), "whole frames"),
        (START, bytes(4 * 100), "128 to 16384 frames"),
        (START, '{"type": "pause"}', '{"type": "end"} only'),
    ],
    ids=["sample rate", "half a frame", "too few frames", "unknown text"],
)
def test_bad_messages_get_a_clear_error_and_a_close(server, alice, first, audio, words):
    with opened(server, {**first, "token": alice.token}) as socket:
        if audio is not None:
            ready(socket)
            socket.send(audio)
        message, code, _ = refusal(socket)
    assert code == 4400 and words in message["detail"]


def test_streams_over_the_caps_are_closed_4429(server, alice):
    """LIVE_MAX_STREAMS_PER_USER=2 and LIVE_MAX_STREAMS=3 on this server; a closed stream frees its place."""
    bob = sign_up(server, "bob")
    with contextlib.ExitStack() as held:
        for user in (alice, alice, bob):  # the server's 3 places
            ready(held.enter_context(opened(server, {**START, "token": user.token})))
        with opened(server, {**START, "token": bob.token}) as socket:
            message, code, reason = refusal(socket)
        assert code == 4429 and "as many live streams as it can" in reason
        held.pop_all().close()
    with contextlib.ExitStack() as held:
        for _ in range(2):
            ready(held.enter_context(opened(server, {**START, "token": alice.token})))
        with opened(server, {**START, "token": alice.token}) as socket:
            message, code, reason = refusal(socket)
        assert code == 4429 and "You already have 2 live stream(s) open" in message["detail"]
    time.sleep(0.5)
    with opened(server, {**START, "token": alice.token}) as again:
        ready(again)  # closing freed the places


def test_a_stream_that_stops_sending_is_closed(server, alice):
    """LIVE_IDLE_SECONDS=3 on this server."""
    with opened(server, {**START, "token": alice.token}) as socket:
        ready(socket)
        socket.send(bytes(4 * 1024))
        began = time.monotonic()
        message, code = closing_error(socket)
        assert 2.5 <= time.monotonic() - began <= 6
        assert "without a message" in message["detail"] and code == 4408


def test_mono_comes_back_mono(server, alice):
    t = np.arange(3 * 44100) / 44100
    mono = (0.3 * np.sin(2 * np.pi * 440 * t))[None, :].astype(np.float32)
    result = stream(socket_url(server), [mono], token=alice.token, channels=1)
    for stem in result.stems.values():
        assert stem.shape == mono.shape
    assert protocol.MIN_FRAMES == 128


def test_a_password_change_closes_the_users_streams(server):
    dave = sign_up(server, "dave")
    with opened(server, {**START, "token": dave.token}) as socket:
        ready(socket)
        new = "An-0ther-passw0rd"
        answer = dave.post(
            f"{server.url}/password/",
            data={"old_password": PASSWORD, "new_password1": new, "new_password2": new},
            headers={"X-CSRFToken": dave.cookies["csrftoken"], "Referer": server.url},
        )
        assert answer.status_code == 200
        message, code = closing_error(socket)
        assert code == 4401 and "log in again" in message["detail"]


def test_the_live_page_is_for_signed_in_users_and_offers_every_latency(server, alice):
    assert requests.get(f"{server.url}/live/", allow_redirects=False).status_code == 302
    page = alice.get(f"{server.url}/live/")
    assert page.status_code == 200
    for label in ("163 ms", "233 ms", "326 ms", "465 ms", "651 ms"):
        assert label in page.text
    assert '<option value="465" selected>' in page.text


def test_a_stream_longer_than_the_limit_is_closed_4413(server, alice):
    """LIVE_MAX_STREAM_SECONDS=20 on this server."""
    block = bytes(4 * protocol.MAX_FRAMES)
    with opened(server, {**START, "token": alice.token}) as socket:
        ready(socket)
        sent = 0
        while sent + protocol.MAX_FRAMES <= 20 * 44100:
            socket.send(block)
            sent += protocol.MAX_FRAMES
        socket.send(block)
        message, code = closing_error(socket, timeout=60)
        assert "may last 20 s" in message["detail"] and code == 4413


def web_children(app) -> list[int]:
    """The live model processes the web server started."""
    web = app.web_pid()
    return [pid for pid in descendants(web) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_dead_model_processes_end_their_streams_1011_and_the_next_stream_starts_a_new_one(server, alice):
    with opened(server, {**START, "token": alice.token}) as socket:
        ready(socket)
        killed = web_children(server)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        for _ in range(2):  # 0.74 s: enough for a step of the model (the audio goes to it a step at a time)
            socket.send(bytes(4 * protocol.MAX_FRAMES))
        message, code = closing_error(socket)
        assert "start the stream again" in message["detail"] and code == 1011
    t = np.arange(44100) / 44100
    tone = (0.3 * np.sin(2 * np.pi * 440 * t))[None, :].repeat(2, axis=0).astype(np.float32)
    result = stream(socket_url(server), [tone], token=alice.token)
    assert result.stems["vocals"].shape == tone.shape
    assert web_children(server) and not set(killed) & set(web_children(server))


def test_a_message_over_128_kib_is_not_read(server):
    """Bounded before anyone is authenticated: the web server closes with 1009 (message too big)."""
    with opened(server) as socket:
        socket.send(bytes(129 * 1024))
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)
        assert socket.close_code == 1009
