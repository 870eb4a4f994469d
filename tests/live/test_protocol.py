"""The wire protocol's checks: what a client may send, and how the server frames audio."""

from __future__ import annotations

import json

import numpy as np
import pytest

from live import protocol

START = {"sample_rate": 44100, "channels": 2, "model": "spleeter_2stems", "latency_ms": 300}


def start(**changes) -> protocol.Start:
    return protocol.parse_start(json.dumps({**START, **changes}))


def test_a_good_first_message_is_read():
    parsed = start(token="abc")
    assert (parsed.sample_rate, parsed.channels, parsed.model, parsed.latency_ms, parsed.token) == (
        44100,
        2,
        "spleeter_2stems",
        300,
        "abc",
    )
    assert protocol.parse_start(json.dumps({"sample_rate": 44100, "channels": 1})).latency_ms is None


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"sample_rate": 48000}, "resample the stream to 44100 Hz"),
        ({"sample_rate": "44100"}, '"sample_rate" must be a whole number'),
        ({"channels": 3}, '"channels" must be 1 (mono) or 2 (stereo)'),
        ({"channels": True}, '"channels" must be a whole number'),
        ({"model": "htdemucs"}, "runs spleeter_2stems only"),
        ({"latency_ms": 0}, '"latency_ms" must be a number of milliseconds from 1 to 10000'),
        ({"latency_ms": 10001}, '"latency_ms" must be'),
        ({"latency_ms": "fast"}, '"latency_ms" must be'),
        ({"token": 12}, '"token" must be the API token'),
        ({"latency": 300}, "Unknown field 'latency'"),
    ],
)
def test_a_bad_first_message_is_refused_in_words(changes, words):
    with pytest.raises(protocol.ProtocolError) as caught:
        start(**changes)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "text, words",
    [
        (None, "Send the stream's format first"),
        ("not json", "must be JSON objects"),
        ("[1, 2]", "must be JSON objects"),
        (json.dumps({**START, "token": "x" * 5000}), "under 4096 bytes"),
    ],
)
def test_a_first_message_that_is_not_one_is_refused(text, words):
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_start(text)
    assert words in str(caught.value)


@pytest.mark.parametrize("frames", [protocol.MIN_FRAMES, 1024, protocol.MAX_FRAMES])
def test_audio_of_whole_frames_within_the_bounds_is_read(frames):
    samples = np.arange(frames * 2, dtype="<i2")
    parsed = protocol.parse_audio(samples.tobytes(), start())
    assert parsed.shape == (frames, 2)
    assert parsed[1, 0] == 2 and parsed[1, 1] == 3, "interleaved: frame 1 is samples 2 and 3"


@pytest.mark.parametrize(
    "size, words",
    [
        (4 * (protocol.MIN_FRAMES - 1), "128 to 16384 frames; this one held 127"),
        (4 * (protocol.MAX_FRAMES + 1), "this one held 16385"),
        (4 * 1024 + 2, "whole frames"),
        (0, "held 0"),
    ],
)
def test_audio_outside_the_bounds_or_cut_mid_frame_is_refused(size, words):
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_audio(bytes(size), start())
    assert words in str(caught.value)


def test_mono_frames_are_two_bytes():
    assert protocol.parse_audio(bytes(2 * 200), start(channels=1)).shape == (200, 1)
    with pytest.raises(protocol.ProtocolError):
        protocol.parse_audio(bytes(2 * 200 + 1), start(channels=1))


def test_after_the_first_message_only_end_is_a_text_message():
    assert protocol.parse_text('{"type": "end"}') == "end"
    for text in ('{"type": "pause"}', '{"sample_rate": 44100}', "end"):
        with pytest.raises(protocol.ProtocolError):
            protocol.parse_text(text)


def test_server_audio_header_is_stem_three_zero_bytes_and_the_first_frame_little_endian():
    frames = np.array([[1, -1], [2, -2]], dtype=np.int16)
    message = protocol.frame_message(1, 70000, frames)
    assert message[:8] == bytes([1, 0, 0, 0]) + (70000).to_bytes(4, "little")
    assert message[8:] == np.array([1, -1, 2, -2], dtype="<i2").tobytes()
    stem, first, read = protocol.read_frame_message(message, 2)
    assert (stem, first) == (1, 70000) and np.array_equal(read, frames)


def test_ready_names_the_stems_in_index_order_and_the_latency():
    ready = json.loads(protocol.ready_message(stems=("vocals", "accompaniment"), latency_samples=20479))
    assert ready == {
        "type": "ready",
        "stems": ["vocals", "accompaniment"],
        "latency_samples": 20479,
        "sample_rate": 44100,
    }
