"""A rate limit shared by every process that talks to lalal.ai with one key.

lalal.ai allows 20 ``check/`` requests a minute per licence key. Celery runs
jobs in several processes, so the count lives in Redis: a sliding-window log
(a sorted set of grant times) updated by one Lua script, which makes "count
the last window, then take a slot" atomic across processes. Times come from
the Redis server's clock, so processes on different machines agree.

The Redis key holds the key's fingerprint, never the key itself.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass

import redis

from audio.engines.base import EngineUnavailable

logger = logging.getLogger(__name__)

# Returns 0 when a slot was taken, else the milliseconds until one frees up.
_TAKE_SLOT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests in any ``window`` seconds.

    ``margin`` widens the window this side keeps, because a request granted
    here reaches lalal.ai a little later, and not always equally later.
    """

    limit: int = 20
    window: float = 60.0
    margin: float = 1.0

    @property
    def window_ms(self) -> int:
        return int((self.window + self.margin) * 1000)


class SharedRateLimiter:
    """Blocks until a request slot is free for one key, across processes."""

    def __init__(self, client: redis.Redis, *, name: str, rate: RateLimit):
        self._redis = client
        self._key = name
        self._rate = rate
        self._script = client.register_script(_TAKE_SLOT)

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a slot and take it; False if ``stop`` was set first.

        Raises ``EngineUnavailable`` when Redis cannot be reached.
        """
        stop = stop or threading.Event()
        while not stop.is_set():
            wait_ms = self._try_take()
            if wait_ms == 0:
                return True
            logger.debug("lalal.ai check rate limit reached for %s; waiting %d ms", self._key, wait_ms)
            stop.wait(min(wait_ms, 1000) / 1000)
        return False

    def _try_take(self) -> int:
        try:
            return int(self._script(keys=[self._key], args=[self._rate.limit, self._rate.window_ms, uuid.uuid4().hex]))
        except redis.RedisError as exc:
            raise EngineUnavailable(
                "SoundForge cannot reach its Redis server to pace lalal.ai requests; check that Redis is running."
            ) from exc
