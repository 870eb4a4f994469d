"""The small things a visitor notices: an icon, docs that fetch nothing from elsewhere, a
quiet start-up log, a word after logging out."""

from __future__ import annotations

import logging

import pytest

from soundforge import health


def test_the_favicon_is_served_to_anyone(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(answer.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_redoc_loads_nothing_from_another_site(user_client):
    html = user_client.get("/api/redoc/").content.decode()
    assert "fonts.googleapis" not in html and "https://" not in html and "http://" not in html
    assert '<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js' in html


def test_an_unhealthy_answer_is_no_error_in_the_log(client, monkeypatch, caplog):
    monkeypatch.setattr(
        health, "health_report", lambda: {"database": True, "redis": True, "worker": False, "ok": False}
    )
    monkeypatch.setattr("soundforge.views.health_report", health.health_report)
    caplog.set_level(logging.INFO)
    assert client.get("/healthz").status_code == 503
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "Not healthy yet: worker" in caplog.text


@pytest.mark.django_db
def test_logging_out_says_so(user_client):
    answer = user_client.post("/logout/", follow=True)
    assert "You are logged out." in answer.content.decode()
    assert not answer.wsgi_request.user.is_authenticated
