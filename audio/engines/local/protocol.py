"""The runner protocol: one JSON object per line, each way (docs/runner-protocol.md).

Requests (supervisor -> runner): ``separate`` and ``cancel``. Events (runner ->
supervisor): ``progress``, ``result`` and ``error``, each carrying the request id.
Parsing is strict: anything that is not exactly one of these messages raises
``ProtocolViolation``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from audio.engines.base import OUTPUT_FORMATS, EngineRejectedInput
from audio.engines.local.catalog import output_stems

SEPARATE = "separate"
CANCEL = "cancel"
PROGRESS = "progress"
RESULT = "result"
ERROR = "error"


class ProtocolViolation(ValueError):
    """A line that is not a valid protocol message."""


@dataclass(frozen=True)
class SeparateRequest:
    """One separation job as sent to the runner."""

    id: str
    input: str
    output_dir: str
    model: str
    stems: str = "all"
    format: str = "wav"

    def validate(self) -> None:
        """Raise EngineRejectedInput when a field holds a value the runner refuses."""
        output_stems(self.model, self.stems)
        if self.format not in OUTPUT_FORMATS:
            raise EngineRejectedInput(
                f"Unknown output format {self.format!r}; choose one of {', '.join(OUTPUT_FORMATS)}."
            )


@dataclass(frozen=True)
class Event:
    """A parsed runner event; only the fields of its type are set."""

    type: str
    id: str
    percent: int = 0
    stems: dict | None = None
    meta: dict | None = None
    levels: dict | None = None
    message: str = ""
    code: str = ""


def encode(message: dict) -> bytes:
    """One protocol line, newline-terminated."""
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")


def separate_message(request: SeparateRequest) -> dict:
    return {"type": SEPARATE, **asdict(request)}


def cancel_message(request_id: str) -> dict:
    return {"type": CANCEL, "id": request_id}


def progress_event(request_id: str, percent: int) -> dict:
    return {"type": PROGRESS, "id": request_id, "percent": int(percent)}


def result_event(request_id: str, stems: dict[str, str], meta: dict, levels: dict | None = None) -> dict:
    event = {"type": RESULT, "id": request_id, "stems": stems, "meta": meta}
    return event if levels is None else {**event, "levels": levels}


def error_event(request_id: str, message: str, code: str) -> dict:
    return {"type": ERROR, "id": request_id, "message": message, "code": code}


def _load_object(line: bytes | str) -> dict:
    try:
        message = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolViolation(f"not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise ProtocolViolation("not a JSON object")
    if not isinstance(message.get("id"), str):
        raise ProtocolViolation("missing string field 'id'")
    return message


def _require(message: dict, key: str, kind: type) -> object:
    value = message.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProtocolViolation(f"field {key!r} must be {kind.__name__}")
    return value


def parse_request(line: bytes | str) -> SeparateRequest | str:
    """A separate request, or the id to cancel for a cancel message."""
    message = _load_object(line)
    kind = message.get("type")
    if kind == CANCEL:
        return message["id"]
    if kind != SEPARATE:
        raise ProtocolViolation(f"unknown request type {kind!r}")
    fields = {key: _require(message, key, str) for key in ("input", "output_dir", "model")}
    options = {key: message[key] for key in ("stems", "format") if key in message}
    for key, value in options.items():
        if not isinstance(value, str):
            raise ProtocolViolation(f"field {key!r} must be str")
    return SeparateRequest(id=message["id"], **fields, **options)


def parse_event(line: bytes | str) -> Event:
    """Validate one runner output line; raise ProtocolViolation if it is not an event."""
    message = _load_object(line)
    kind = message.get("type")
    if kind == PROGRESS:
        percent = _require(message, "percent", int)
        if not 0 <= percent <= 100:
            raise ProtocolViolation(f"percent {percent} out of range")
        return Event(PROGRESS, message["id"], percent=percent)
    if kind == RESULT:
        stems = _require(message, "stems", dict)
        if not stems or not all(isinstance(v, str) for v in stems.values()):
            raise ProtocolViolation("result stems must map names to paths")
        levels = message.get("levels")
        if levels is not None and not isinstance(levels, dict):
            raise ProtocolViolation("field 'levels' must be dict")
        return Event(RESULT, message["id"], stems=stems, meta=_require(message, "meta", dict), levels=levels)
    if kind == ERROR:
        return Event(
            ERROR,
            message["id"],
            message=_require(message, "message", str),
            code=str(message.get("code", "")),
        )
    raise ProtocolViolation(f"unknown event type {kind!r}")
