"""One progress poller per licence key in a process.

Jobs do not poll lalal.ai themselves: each watches its task id, and the key's
poller thread asks about every watched task in one ``check/`` request, taking a
slot from the Redis-backed ``SharedRateLimiter`` before every request (retries
included), so all processes together stay under lalal.ai's limit. The thread
ends when nothing is watched any more and a new one starts with the next watch.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from audio.engines.base import EngineError, EngineProtocolError, EngineUnavailable
from audio.engines.lalalai.answers import TaskStatus
from audio.engines.lalalai.client import LalalaiClient
from audio.engines.lalalai.ratelimit import SharedRateLimiter

logger = logging.getLogger(__name__)

PollerKey = tuple[str, str]  # (base URL, key fingerprint)


class Watch:
    """A job's view of its task: the statuses the poller found, in order."""

    def __init__(self, poller: CheckPoller, task_id: str, updates: queue.Queue):
        self.task_id = task_id
        self._poller = poller
        self._updates = updates

    def next_status(self, timeout: float) -> TaskStatus | None:
        """The next status, or None if none came within ``timeout`` seconds.

        Raises the ``EngineError`` that made the poller's check fail.
        """
        try:
            item = self._updates.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, EngineError):
            raise item
        return item

    def close(self) -> None:
        self._poller.registry.unwatch(self._poller, self.task_id)


class CheckPoller:
    """Polls ``check/`` for the watched tasks of one key."""

    def __init__(
        self,
        registry: PollerRegistry,
        key: PollerKey,
        client: LalalaiClient,
        limiter: SharedRateLimiter,
        interval: float,
    ):
        self.registry = registry
        self.key = key
        self.watched: dict[str, queue.Queue] = {}
        self._client = client
        self._limiter = limiter
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"lalalai-poller-{key[1]}")

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        logger.debug("lalal.ai poller for key %s started", self.key[1])
        try:
            while True:
                task_ids = self.registry.snapshot_or_retire(self)
                if not task_ids:
                    break
                self._poll(task_ids)
                time.sleep(self._interval)
        finally:
            self._client.close()
        logger.debug("lalal.ai poller for key %s stopped", self.key[1])

    def _poll(self, task_ids: list[str]) -> None:
        try:
            statuses = self._client.check(task_ids, before_attempt=self._limiter.acquire)
        except EngineError as exc:
            failure = exc
            self._deliver(task_ids, lambda _task_id: failure)
            return
        except Exception:  # a bug here must fail the jobs, not leave them waiting
            logger.exception("lalal.ai poller for key %s failed unexpectedly", self.key[1])
            error = EngineUnavailable("Checking lalal.ai progress failed unexpectedly.")
            self._deliver(task_ids, lambda _task_id: error)
            return
        missing = EngineProtocolError("lalal.ai's progress answer left out this job's task.")
        self._deliver(task_ids, lambda task_id: statuses.get(task_id, missing))

    def _deliver(self, task_ids: list[str], item_for: Callable[[str], object]) -> None:
        for task_id in task_ids:
            updates = self.registry.updates_for(self, task_id)
            if updates is not None:
                updates.put(item_for(task_id))


class PollerRegistry:
    """The live pollers of this process, one per (base URL, key)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pollers: dict[PollerKey, CheckPoller] = {}

    def watch(self, key: PollerKey, task_id: str, make_poller: Callable[[PollerRegistry], CheckPoller]) -> Watch:
        """Watch ``task_id`` with the key's poller, starting one if needed."""
        updates: queue.Queue = queue.Queue()
        with self._lock:
            poller = self._pollers.get(key)
            started = poller is None
            if poller is None:
                poller = make_poller(self)
                self._pollers[key] = poller
            poller.watched[task_id] = updates
        if started:
            poller.start()
        return Watch(poller, task_id, updates)

    def unwatch(self, poller: CheckPoller, task_id: str) -> None:
        with self._lock:
            poller.watched.pop(task_id, None)

    def updates_for(self, poller: CheckPoller, task_id: str) -> queue.Queue | None:
        with self._lock:
            return poller.watched.get(task_id)

    def snapshot_or_retire(self, poller: CheckPoller) -> list[str]:
        """The poller's watched ids; if none, remove it so it can stop."""
        with self._lock:
            if poller.watched:
                return list(poller.watched)
            if self._pollers.get(poller.key) is poller:
                del self._pollers[poller.key]
            return []


# The process-wide registry: one poller per key however many engines exist.
POLLERS = PollerRegistry()
