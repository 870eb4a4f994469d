"""Health checks for /healthz: each answers quickly and never raises."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from soundforge.celery import app as celery_app

logger = logging.getLogger(__name__)


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


def health_report() -> dict:
    report = {"database": database_ok(), "redis": redis_ok()}
    report["worker"] = report["redis"] and worker_answers()
    report["ok"] = all(report.values())
    return report
