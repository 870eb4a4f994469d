"""The one interface every separation engine implements.

An engine turns one input file into stem files inside a work folder the caller
owns, reporting progress through a callback. Engines are looked up by name in
``audio.engines.registry``; an unknown name is an error, never a fallback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

STEMS_ALL = "all"
STEMS_TWO = "two"  # vocals + instrumental
STEMS_MODES = (STEMS_ALL, STEMS_TWO)
STEMS_LABELS = {STEMS_ALL: "All stems", STEMS_TWO: "Two stems: vocals + instrumental"}
OUTPUT_FORMATS = ("wav", "flac", "mp3")

ProgressCallback = Callable[[int], None]

# Whether a model can run on this installation: its weights (or the service's key) are
# here; they will be downloaded on its first run; or they are missing, so it cannot run.
MODEL_READY, MODEL_DOWNLOADS, MODEL_MISSING = "ready", "downloads", "missing"
MODEL_STATES = (MODEL_READY, MODEL_DOWNLOADS, MODEL_MISSING)


@dataclass(frozen=True)
class ModelState:
    """``state``: one of MODEL_READY, MODEL_DOWNLOADS, MODEL_MISSING; ``note``: for users, why."""

    state: str
    note: str = ""

    @property
    def ready(self) -> bool:
        return self.state == MODEL_READY

    @property
    def usable(self) -> bool:
        return self.state != MODEL_MISSING


@dataclass(frozen=True)
class SeparationRequest:
    """What to separate and how; ``work_dir`` is empty and owned by the caller."""

    input_path: Path
    work_dir: Path
    model: str
    stems: str = STEMS_ALL
    output_format: str = "wav"
    options: dict = field(default_factory=dict)
    # Seconds of audio in input_path when the caller knows (timeouts scale with it).
    input_seconds: float | None = None
    # The user's own secret for the engine (its secret preference), if any; kept
    # out of repr so it never reaches a log line.
    credentials: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SeparationResult:
    """Stem name -> file inside the request's work_dir, plus engine metadata."""

    stems: dict[str, Path]
    meta: dict
    # Waveforms and loudness of the original and the stems when the engine measured
    # them on the way (audio.engines.levels; the library otherwise decodes the files).
    levels: dict | None = None


@dataclass(frozen=True)
class Preference:
    """One choice a user keeps for an engine (the Settings page and API show them).

    ``kind``: ``choice`` (one of ``choices``), ``choices`` (any of them, a list),
    ``flag`` (true or false) or ``secret`` (text stored encrypted and handed to the
    engine as a request's ``credentials``; at most one per engine).
    """

    name: str
    label: str
    kind: Literal["choice", "choices", "flag", "secret"]
    default: object = None
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


class EngineAccount(Protocol):
    """What an engine billed by the minute (a cloud service) can tell and do for an account.

    ``credentials`` is the user's own secret, or None for the installation's.
    """

    has_installation_credentials: bool  # whether users without credentials of their own can run jobs

    def minutes_left(self, credentials: str | None) -> float:
        """Processing minutes left; raises an EngineError when the service cannot tell."""

    def cancel_all(self, credentials: str) -> dict[str, bool]:
        """Cancel every task of the account; task id -> whether it was cancelled."""

    def cost_minutes(self, *, seconds: float, model: str, stems_mode: str, options: Mapping[str, object]) -> float:
        """Minutes the service bills for separating ``seconds`` of audio as a job with these
        choices asks. Raises EngineRejectedInput for choices the engine refuses."""


class Engine(Protocol):
    name: str
    label: str
    preferences: tuple[Preference, ...]
    account: EngineAccount | None
    # Whether the separation runs on another service (the worker mostly waits on it): such jobs
    # go to a queue of their own, served with many at once on little CPU (settings.JOB_QUEUES).
    remote: bool

    def models(self) -> dict[str, list[str]]:
        """Model name -> the stems it produces in ``all`` mode."""

    def model_states(self, *, own_credentials: bool) -> dict[str, ModelState]:
        """Model name -> whether it can run here, for a user who has (or has not) saved
        credentials of their own for this engine. Cheap: pages ask on every view."""

    def preference_problems(self, values: Mapping[str, object]) -> dict[str, str]:
        """Refusals of a complete set of this engine's preference values (name -> message),
        beyond each value's own kind and choices."""

    def job_choices(self, values: Mapping[str, object]) -> tuple[str, dict]:
        """The model and the job options a user's preference values give a job."""

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
