import json

import pytest

from audio.engines.base import EngineRejectedInput
from audio.engines.local import protocol
from audio.engines.local.protocol import ProtocolViolation, SeparateRequest


def test_separate_request_round_trips():
    request = SeparateRequest(
        id="r1", input="/a/in.wav", output_dir="/a/out", model="htdemucs", stems="two", format="mp3"
    )
    line = protocol.encode(protocol.separate_message(request))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.parse_request(line) == request


def test_cancel_request_parses_to_its_id():
    assert protocol.parse_request(protocol.encode(protocol.cancel_message("r9"))) == "r9"


def test_events_round_trip_with_their_id():
    progress = protocol.parse_event(protocol.encode(protocol.progress_event("r1", 45)))
    assert (progress.type, progress.id, progress.percent) == ("progress", "r1", 45)
    result = protocol.parse_event(
        protocol.encode(protocol.result_event("r1", {"vocals": "/o/vocals.wav"}, {"model": "htdemucs"}))
    )
    assert result.stems == {"vocals": "/o/vocals.wav"} and result.meta == {"model": "htdemucs"}
    error = protocol.parse_event(protocol.encode(protocol.error_event("r1", "bad", "unavailable")))
    assert (error.message, error.code) == ("bad", "unavailable")


@pytest.mark.parametrize(
    "line",
    [
        b"Downloading weights...\n",
        b"[1, 2]\n",
        b'{"type": "progress", "percent": 10}\n',  # no id
        b'{"type": "hello", "id": "r1"}\n',
        b'{"type": "progress", "id": "r1", "percent": 101}\n',
        b'{"type": "progress", "id": "r1", "percent": true}\n',
        b'{"type": "progress", "id": "r1", "percent": "50"}\n',
        b'{"type": "result", "id": "r1", "stems": {}, "meta": {}}\n',
        b'{"type": "result", "id": "r1", "stems": {"vocals": 3}, "meta": {}}\n',
        b'{"type": "error", "id": "r1"}\n',
    ],
)
def test_anything_but_an_event_is_a_violation(line):
    with pytest.raises(ProtocolViolation):
        protocol.parse_event(line)


def test_request_with_missing_field_is_a_violation():
    line = json.dumps({"type": "separate", "id": "r1", "input": "/x.wav", "model": "htdemucs"})
    with pytest.raises(ProtocolViolation):
        protocol.parse_request(line)


@pytest.mark.parametrize(
    "field,value", [("model", "demucs_unittest"), ("model", "umx"), ("stems", "drums"), ("format", "ogg")]
)
def test_validate_refuses_unknown_values(tmp_path, field, value):
    fields = {"id": "r1", "input": "/x.wav", "output_dir": str(tmp_path), "model": "htdemucs"}
    with pytest.raises(EngineRejectedInput):
        SeparateRequest(**{**fields, field: value}).validate()
