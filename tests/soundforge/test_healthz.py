"""/healthz tells whether the database, Redis and a Celery worker answer, and costs
little however often a stranger asks."""

import pytest

from soundforge import health
from tests.conftest import free_port


@pytest.fixture(autouse=True)
def _fresh_health(monkeypatch):
    monkeypatch.setattr(health, "_remembered", None)


def test_reports_redis_down_without_waiting_for_it(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": False, "worker": False, "ok": False}


def test_reports_a_missing_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": True, "worker": False, "ok": False}


def test_many_requests_cost_one_check(client, db, monkeypatch):
    checks = []
    monkeypatch.setattr(health, "_check", lambda: checks.append(1) or {"database": True, "ok": True})
    for _ in range(50):
        assert client.get("/healthz").status_code == 200
    assert len(checks) == 1
    monkeypatch.setattr(health, "_remembered", (0.0, {"ok": True}))  # remembered too long: checked again
    client.get("/healthz")
    assert len(checks) == 2
