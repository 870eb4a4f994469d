"""Health checks for /healthz: each answers quickly and never raises.

Anyone may ask, as often as they like, so the answer is remembered: a check of the
database, Redis and the workers runs at most once every OK_SECONDS per process
(FAILED_SECONDS while something is down, so recovery shows soon), whoever asks.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from soundforge.celery import app as celery_app

logger = logging.getLogger(__name__)
OK_SECONDS = 5.0
FAILED_SECONDS = 1.0
_lock = threading.Lock()
_remembered: tuple[float, dict] | None = None  # (good until, report)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        logger.warning("Health check: database does not answer", exc_info=True)
        return False


def redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        with client:
            return bool(client.ping())
    except redis.RedisError:
        logger.warning("Health check: Redis does not answer at the configured REDIS_URL")
        return False


def worker_answers() -> bool:
    """Whether a Celery worker answers a ping within a second (needs Redis up)."""
    return bool(celery_app.control.ping(timeout=1.0, limit=1))


def _check() -> dict:
    report = {"database": database_ok(), "redis": redis_ok()}
    report["worker"] = report["redis"] and worker_answers()
    report["ok"] = all(report.values())
    return report


def health_report() -> dict:
    """What answers, checked at most once per OK_SECONDS (FAILED_SECONDS after a failure)."""
    global _remembered
    with _lock:  # callers meanwhile wait for this check instead of starting their own
        if _remembered is None or time.monotonic() >= _remembered[0]:
            report = _check()
            _remembered = (time.monotonic() + (OK_SECONDS if report["ok"] else FAILED_SECONDS), report)
        return dict(_remembered[1])
