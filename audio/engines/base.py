"""The one interface every separation engine implements.

An engine turns one input file into stem files inside a work folder the caller
owns, reporting progress through a callback. Engines are looked up by name in
``audio.engines.registry``; an unknown name is an error, never a fallback.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

STEMS_ALL = "all"
STEMS_TWO = "two"  # vocals + instrumental
STEMS_MODES = (STEMS_ALL, STEMS_TWO)
OUTPUT_FORMATS = ("wav", "flac", "mp3")

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class SeparationRequest:
    """What to separate and how; ``work_dir`` is empty and owned by the caller."""

    input_path: Path
    work_dir: Path
    model: str
    stems: str = STEMS_ALL
    output_format: str = "wav"
    options: dict = field(default_factory=dict)
    # The lalal.ai licence key for this request (cloud engine only); kept out of
    # repr so it never reaches a log line.
    license_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SeparationResult:
    """Stem name -> file inside the request's work_dir, plus engine metadata."""

    stems: dict[str, Path]
    meta: dict


class Engine(Protocol):
    name: str

    def models(self) -> dict[str, list[str]]:
        """Model name -> the stems it produces in ``all`` mode."""

    def separate(
        self,
        request: SeparationRequest,
        *,
        progress: ProgressCallback,
        cancel: threading.Event,
    ) -> SeparationResult:
        """Run one separation; raise an ``EngineError`` subclass on failure."""


class EngineError(Exception):
    """A separation failed. ``message`` is written for the user to read."""

    code = "engine_error"
    retryable = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EngineRejectedInput(EngineError):
    """The request itself is wrong (unknown model, unreadable input...)."""

    code = "rejected_input"


class EngineUnavailable(EngineError):
    """The engine cannot run now (no weights, runner crashed, service down)."""

    code = "unavailable"
    retryable = True


class EngineTimeout(EngineError):
    code = "timeout"
    retryable = True


class EngineProtocolError(EngineError):
    """The engine answered something that is not its protocol."""

    code = "protocol_error"


class EngineCancelled(EngineError):
    code = "cancelled"


class EngineAuthError(EngineError):
    """The engine refused the credentials (missing or invalid licence key)."""

    code = "auth"


class EngineQuotaExceeded(EngineError):
    """The account behind the credentials has no processing time left."""

    code = "quota_exceeded"
