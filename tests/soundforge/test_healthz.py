"""/healthz tells whether the database, Redis and a Celery worker answer."""
from tests.conftest import free_port


def test_reports_redis_down_without_waiting_for_it(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": False, "worker": False, "ok": False}


def test_reports_a_missing_worker(client, db, settings, redis_url):
    from soundforge.celery import app

    settings.REDIS_URL = redis_url
    app.conf.broker_url = redis_url
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json() == {"database": True, "redis": True, "worker": False, "ok": False}
