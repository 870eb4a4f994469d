"""How often and how long the lalal.ai client waits before trying again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base_delay * 2**n`` seconds, capped at ``max_delay``.

    ``sleep`` is injectable so tests can run without waiting.
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``failed_attempts`` failures (1 = first failure)."""
        backoff = self.base_delay * (2 ** (failed_attempts - 1))
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_delay)

    def wait(self, failed_attempts: int, retry_after: float | None = None) -> None:
        self.sleep(self.delay(failed_attempts, retry_after))


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and between bytes of an answer."""

    connect: float = 10.0
    read: float = 60.0

    def as_requests(self) -> tuple[float, float]:
        return (self.connect, self.read)
