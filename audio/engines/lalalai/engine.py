"""The lalal.ai cloud engine: upload, split, wait, download, clean up."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import redis

from audio.engines.base import (
    MODEL_MISSING,
    MODEL_READY,
    EngineCancelled,
    EngineError,
    EngineProtocolError,
    EngineRejectedInput,
    EngineTimeout,
    ModelState,
    ProgressCallback,
    SeparationRequest,
    SeparationResult,
)
from audio.engines.lalalai import formats, preferences, stems
from audio.engines.lalalai.account import LalalaiAccount
from audio.engines.lalalai.answers import KeyRejected, TaskStatus
from audio.engines.lalalai.client import DEFAULT_BASE_URL, LalalaiClient
from audio.engines.lalalai.keys import resolve_license_key
from audio.engines.lalalai.poller import POLLERS, CheckPoller, PollerRegistry
from audio.engines.lalalai.ratelimit import RateLimit, SharedRateLimiter
from audio.engines.lalalai.retry import RetryPolicy, Timeouts

logger = logging.getLogger(__name__)

# Progress shares: upload up to 5 %, lalal.ai's work up to 90 %, downloads the rest.
_UPLOADED = 5
_PROCESSED = 90
NO_KEY_NOTE = "needs a lalal.ai licence key: enter yours on the Settings page"
_WAIT_STEP = 0.1  # seconds between looks at the cancel flag while waiting


class LalalaiEngine:
    """Separates through lalal.ai's REST API v1.

    ``request.model`` is a splitter name (or ``auto``); ``request.options`` may
    hold ``stems`` (product stem names), ``dereverb`` and ``extraction_level``
    (see ``stems.py``). The licence key is ``request.credentials`` (the user's own),
    else ``system_key``.

    Long tracks: lalal.ai's API states no length limit of its own; a plan's limit
    shows only as a ``max_duration`` refusal once the file is uploaded. With
    ``max_seconds`` (the operator's plan), a longer track is refused before anything
    is uploaded, saying why. A task may run ``task_timeout`` seconds, or as long as
    the track lasts if that is more.
    """

    name = "lalalai"
    label = "lalal.ai cloud"
    remote = True
    preferences = preferences.PREFERENCES

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        redis_client: redis.Redis | None = None,
        redis_url: str | None = None,
        system_key: str | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        check_rate: RateLimit = RateLimit(),
        poll_interval: float = 3.0,
        task_timeout: float = 3600.0,
        redis_prefix: str = "soundforge:lalalai",
        max_seconds: float | None = None,
    ):
        if redis_client is None:
            if not redis_url:
                raise ValueError("LalalaiEngine needs a Redis client or URL for its rate limit")
            redis_client = redis.Redis.from_url(redis_url)
        self._redis = redis_client
        self._base_url = base_url
        self._system_key = system_key
        self._timeouts = timeouts
        self._retry = retry
        self._check_rate = check_rate
        self._poll_interval = poll_interval
        self._task_timeout = task_timeout
        self._redis_prefix = redis_prefix
        self._max_seconds = max_seconds or None
        self._pollers: PollerRegistry = POLLERS
        self.account = LalalaiAccount(make_client=self._client, system_key=system_key)

    def __repr__(self) -> str:
        return f"LalalaiEngine(base_url={self._base_url!r})"

    def models(self) -> dict[str, list[str]]:
        return stems.models()

    def model_states(self, *, own_credentials: bool) -> dict[str, ModelState]:
        if own_credentials or self._system_key:
            state = ModelState(MODEL_READY)
        else:
            state = ModelState(MODEL_MISSING, NO_KEY_NOTE)
        return dict.fromkeys(stems.models(), state)

    def preference_problems(self, values: Mapping[str, object]) -> dict[str, str]:
        """The rules of ``preferences.problems``; a new key is also shown to lalal.ai, which must take it."""
        found = preferences.problems(values)
        key = values.get("key")
        if key and "key" not in found:
            problem = self._key_problem(str(key))
            if problem:
                found["key"] = problem
        return found

    def _key_problem(self, key: str) -> str | None:
        try:
            self.account.minutes_left(key)
        except KeyRejected as exc:
            reason = f": {exc.reason}" if exc.reason else "."
            return f"lalal.ai did not accept this key{reason} Copy it again from your lalal.ai account page."
        except EngineError as exc:
            logger.warning("A new lalal.ai key could not be checked: %s", exc.message)
            return f"The key could not be checked with lalal.ai right now ({exc.message}); try saving it again shortly."
        return None

    def job_choices(self, values: Mapping[str, object]) -> tuple[str, dict]:
        return preferences.job_choices(values)

    def separate(
        self,
        request: SeparationRequest,
        *,
        progress: ProgressCallback,
        cancel: threading.Event,
    ) -> SeparationResult:
        """Run one separation at lalal.ai; see ``EngineError`` subclasses for failures."""
        plan = stems.plan_split(request)
        self._check_length(request.input_seconds)
        client = self._client(resolve_license_key(request.credentials, self._system_key))
        reporter = _Progress(progress)
        created: list[Path] = []
        source_id = None
        try:
            _raise_if_cancelled(cancel)
            reporter.report(0)
            source_id = client.upload(request.input_path).source_id
            reporter.report(_UPLOADED)
            _raise_if_cancelled(cancel)
            task_id = client.split(plan.endpoint, source_id, plan.presets, str(uuid.uuid4()))
            logger.info("lalal.ai task %s started (%s, key %s)", task_id, plan.endpoint, client.fingerprint)
            task_timeout = max(self._task_timeout, request.input_seconds or 0.0)
            status = self._await_task(client, task_id, cancel, reporter, task_timeout)
            files = _download_all(client, status, plan, request, created, cancel, reporter)
        except BaseException:
            _remove(created)
            raise
        finally:
            if source_id is not None:
                _delete_source(client, source_id)
            client.close()
        meta = {
            "engine": self.name,
            "model": plan.splitter,
            "device": "lalal.ai cloud",
            "task_id": task_id,
            "duration_seconds": status.duration,
        }
        return SeparationResult(stems=files, meta=meta)

    def _check_length(self, seconds: float | None) -> None:
        """Refuse, before any upload, a track longer than the plan takes in one file."""
        if self._max_seconds is not None and seconds is not None and seconds > self._max_seconds:
            raise EngineRejectedInput(
                f"This track is {_duration(seconds)} long; lalal.ai takes files of up to "
                f"{_duration(self._max_seconds)} on this installation's plan. Separate it with the local "
                "engine, which takes tracks of any length."
            )

    def _await_task(
        self, client: LalalaiClient, task_id: str, cancel: threading.Event, reporter: _Progress, timeout: float
    ) -> TaskStatus:
        watch = self._pollers.watch((client.base_url, client.fingerprint), task_id, self._poller_factory(client))
        deadline = time.monotonic() + timeout
        try:
            while True:
                if cancel.is_set():
                    _cancel_task(client, task_id)
                    raise EngineCancelled("The separation was cancelled.")
                if time.monotonic() > deadline:
                    _cancel_task(client, task_id)
                    raise EngineTimeout(f"lalal.ai did not finish within {timeout:.0f} s; the task was cancelled.")
                status = watch.next_status(_WAIT_STEP)
                if status is None or status.state == "progress":
                    reporter.task(status.progress if status else 0)
                    continue
                if status.state == "success":
                    return status
                if status.state == "cancelled":
                    raise EngineCancelled("The separation was cancelled at lalal.ai.")
                raise status.error or EngineError("lalal.ai failed to separate this track.")
        finally:
            watch.close()

    def _poller_factory(self, job_client: LalalaiClient) -> Callable[[PollerRegistry], CheckPoller]:
        def make(registry: PollerRegistry) -> CheckPoller:
            client = job_client.clone()
            limiter = SharedRateLimiter(
                self._redis, name=f"{self._redis_prefix}:check:{client.fingerprint}", rate=self._check_rate
            )
            return CheckPoller(registry, (client.base_url, client.fingerprint), client, limiter, self._poll_interval)

        return make

    def _client(self, license_key: str) -> LalalaiClient:
        return LalalaiClient(
            license_key=license_key, base_url=self._base_url, timeouts=self._timeouts, retry=self._retry
        )


class _Progress:
    """Forwards whole percents, each only once and never going back."""

    def __init__(self, callback: ProgressCallback):
        self._callback = callback
        self._last = -1

    def report(self, percent: float) -> None:
        percent = max(0, min(100, int(percent)))
        if percent > self._last:
            self._last = percent
            self._callback(percent)

    def task(self, task_percent: int) -> None:
        self.report(_UPLOADED + task_percent * (_PROCESSED - _UPLOADED) / 100)


def _download_all(
    client: LalalaiClient,
    status: TaskStatus,
    plan: stems.SplitPlan,
    request: SeparationRequest,
    created: list[Path],
    cancel: threading.Event,
    reporter: _Progress,
) -> dict[str, Path]:
    urls = _urls_by_stem(status, plan)
    files: dict[str, Path] = {}
    for number, stem in enumerate(plan.stems, start=1):
        _raise_if_cancelled(cancel)
        dest = request.work_dir / f"{stem}.{request.output_format}"
        created.append(dest)
        if client.download(urls[stem], dest, what=f"{stem} stem download") == 0:
            raise EngineProtocolError(f"lalal.ai sent an empty file for the {stem} stem.")
        formats.ensure_format(dest, request.output_format, stem=stem)
        files[stem] = dest
        reporter.report(_PROCESSED + (100 - _PROCESSED) * number / len(plan.stems))
    return files


def _urls_by_stem(status: TaskStatus, plan: stems.SplitPlan) -> dict[str, str]:
    urls: dict[str, str] = {}
    for track in status.tracks:
        try:
            urls[stems.stem_for_label(track.label)] = track.url
        except KeyError:
            logger.debug("lalal.ai result track %r is not one SoundForge asked for", track.label)
    missing = [stem for stem in plan.stems if stem not in urls]
    if missing:
        raise EngineProtocolError(f"lalal.ai's result lacks the {', '.join(missing)} track(s) SoundForge asked for.")
    return urls


def _duration(seconds: float) -> str:
    """1 h 05 min, 12 min 30 s, 45 s."""
    whole = round(seconds)
    hours, minutes, rest = whole // 3600, whole // 60 % 60, whole % 60
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _raise_if_cancelled(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise EngineCancelled("The separation was cancelled.")


def _cancel_task(client: LalalaiClient, task_id: str) -> None:
    try:
        client.cancel([task_id])
    except EngineError as exc:
        logger.warning("Could not cancel lalal.ai task %s: %s", task_id, exc.message)


def _delete_source(client: LalalaiClient, source_id: str) -> None:
    try:
        client.delete(source_id)
    except EngineError as exc:
        logger.warning("Could not delete lalal.ai source %s: %s", source_id, exc.message)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
