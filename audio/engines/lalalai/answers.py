"""lalal.ai's answers, checked against its v1 OpenAPI document.

Every parser raises ``EngineProtocolError`` when a required field is missing
or has the wrong type, so nothing downstream trusts a malformed answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audio.engines.base import (
    EngineAuthError,
    EngineError,
    EngineProtocolError,
    EngineQuotaExceeded,
    EngineRejectedInput,
    EngineUnavailable,
)

_DETAIL_LIMIT = 200

# lalal.ai's licence error codes, as the user should read them.
_LICENSE_ERRORS: dict[str, tuple[type[EngineError], str]] = {
    "exceeded_duration": (
        EngineQuotaExceeded,
        "Your lalal.ai account does not have enough processing minutes left for "
        "this track. Buy more minutes at lalal.ai or use the local engine.",
    ),
    "max_duration": (
        EngineRejectedInput,
        "This track is longer than your lalal.ai plan accepts for one file.",
    ),
    "exceeded_size": (
        EngineRejectedInput,
        "This file is larger than your lalal.ai plan accepts.",
    ),
    "idempotency_key_used": (
        EngineUnavailable,
        "lalal.ai refused a repeated start of the same separation; try again.",
    ),
}


@dataclass(frozen=True)
class UploadInfo:
    source_id: str
    duration: int
    size: int


@dataclass(frozen=True)
class ResultTrack:
    label: str
    url: str
    kind: str  # "stem" or "back"


@dataclass(frozen=True)
class TaskStatus:
    """One task's state from ``check/``; ``error`` is set when it failed."""

    state: str  # progress, success, cancelled or failed
    progress: int = 0
    tracks: tuple[ResultTrack, ...] = ()
    duration: int | None = None
    error: EngineError | None = None


def short_detail(detail: Any) -> str:
    """lalal.ai's own error text, flattened and cut to a readable length."""
    if isinstance(detail, list):
        detail = "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in detail)
    text = " ".join(str(detail).split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."


def malformed(what: str, why: str) -> EngineProtocolError:
    return EngineProtocolError(f"lalal.ai sent an answer to {what} that SoundForge cannot read ({why}).")


def require(body: Any, name: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``body[name]`` if ``body`` is an object holding a value of ``kind``."""
    if not isinstance(body, dict):
        raise malformed(what, "not a JSON object")
    if name not in body:
        raise malformed(what, f"missing {name!r}")
    value = body[name]
    # JSON true/false are ints to Python; a number field must not accept them.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise malformed(what, f"{name!r} has the wrong type")
    return value


def parse_upload(body: Any) -> UploadInfo:
    return UploadInfo(
        source_id=require(body, "id", str, "upload"),
        duration=require(body, "duration", (int, float), "upload"),
        size=require(body, "size", int, "upload"),
    )


def parse_task_id(body: Any) -> str:
    return require(body, "task_id", str, "split")


def parse_minutes_left(body: Any) -> float:
    return float(require(body, "minutes_left", (int, float), "minutes left"))


def parse_empty(body: Any, what: str) -> None:
    """An answer that carries nothing but must still be a JSON object."""
    if not isinstance(body, dict):
        raise malformed(what, "not a JSON object")


def parse_cancel(body: Any) -> dict[str, bool]:
    """Task id -> whether lalal.ai cancelled it."""
    result = require(body, "result", dict, "cancel")
    return {task_id: require(entry, "status", str, "cancel") == "success" for task_id, entry in result.items()}


def parse_check(body: Any) -> dict[str, TaskStatus]:
    result = require(body, "result", dict, "check")
    return {task_id: _task_status(entry) for task_id, entry in result.items()}


def _task_status(entry: Any) -> TaskStatus:
    status = require(entry, "status", str, "check")
    if status == "progress":
        progress = require(entry, "progress", int, "check")
        return TaskStatus("progress", progress=max(0, min(progress, 100)))
    if status == "success":
        result = require(entry, "result", dict, "check")
        tracks = tuple(_track(item) for item in require(result, "tracks", list, "check"))
        duration = require(result, "duration", (int, float), "check")
        return TaskStatus("success", progress=100, tracks=tracks, duration=int(duration))
    if status == "cancelled":
        return TaskStatus("cancelled")
    if status == "error":
        return TaskStatus("failed", error=_task_error(require(entry, "error", dict, "check")))
    if status == "server_error":
        detail = short_detail(require(entry, "error", str, "check"))
        return TaskStatus("failed", error=EngineUnavailable(f"lalal.ai failed the task: {detail}"))
    raise malformed("check", f"unknown task status {status!r}")


def _track(item: Any) -> ResultTrack:
    url = require(item, "url", str, "check")
    if not url.startswith(("http://", "https://")):
        raise malformed("check", "a result track has no web address")
    kind = require(item, "type", str, "check")
    if kind not in ("stem", "back"):
        raise malformed("check", f"unknown track type {kind!r}")
    return ResultTrack(label=require(item, "label", str, "check"), url=url, kind=kind)


def _task_error(error: dict) -> EngineError:
    detail = short_detail(require(error, "detail", str, "check"))
    code = error.get("code")
    if code in _LICENSE_ERRORS:
        return license_error(code)
    if code == "inference_error":
        return EngineError(f"lalal.ai could not separate this track: {detail}")
    return EngineError(f"lalal.ai failed to separate this track: {detail}")


def license_error(code: str) -> EngineError:
    cls, message = _LICENSE_ERRORS[code]
    return cls(message)


class KeyRejected(EngineAuthError):
    """lalal.ai refused the licence key; ``reason`` is its own words for why (may be empty)."""

    def __init__(self, reason: str):
        self.reason = reason
        shown = f" ({reason})" if reason else ""
        super().__init__(
            f"lalal.ai rejected the licence key{shown}. Check your key on the Settings page, "
            "or ask the administrator if you use the installation's."
        )


def refusal(status: int, body: Any, what: str) -> EngineError:
    """The error for a final (not retried) 4xx answer to ``what``."""
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    code = body.get("code") if isinstance(body, dict) else None
    if status in (401, 403):
        return KeyRejected(short_detail(detail) if detail else "")
    if code in _LICENSE_ERRORS:
        return license_error(code)
    if status in (400, 422) and detail:
        return EngineRejectedInput(f"lalal.ai refused the {what} request: {short_detail(detail)}")
    return EngineProtocolError(f"lalal.ai answered the {what} request with HTTP {status}.")
