"""The lalal.ai cloud separation engine (REST API v1)."""

from audio.engines.lalalai.client import DEFAULT_BASE_URL
from audio.engines.lalalai.engine import LalalaiEngine
from audio.engines.lalalai.ratelimit import RateLimit
from audio.engines.lalalai.retry import RetryPolicy, Timeouts

__all__ = ["DEFAULT_BASE_URL", "LalalaiEngine", "RateLimit", "RetryPolicy", "Timeouts"]
