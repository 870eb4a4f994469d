"""/healthz tells whether the database, Redis and a Celery worker answer."""

from tests.conftest import free_port


def test_reports_redis_down_without_waiting_for_it(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": False, "worker": False, "ok": False}


def test_reports_a_missing_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": True, "worker": False, "ok": False}
