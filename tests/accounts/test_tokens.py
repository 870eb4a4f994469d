"""Who may use the API: a token from username and password, or the browser's session."""

import pytest
from django.test import Client

ENDPOINTS = [
    ("get", "/api/models/"),
    ("get", "/api/tracks/"),
    ("post", "/api/tracks/"),
    ("get", "/api/tracks/00000000-0000-0000-0000-000000000001/"),
    ("delete", "/api/tracks/00000000-0000-0000-0000-000000000001/"),
    ("get", "/api/jobs/"),
    ("post", "/api/jobs/"),
    ("get", "/api/jobs/00000000-0000-0000-0000-000000000001/"),
    ("post", "/api/jobs/00000000-0000-0000-0000-000000000001/cancel/"),
    ("get", "/api/settings/"),
    ("put", "/api/settings/"),
    ("get", "/api/lalalai/quota"),
    ("post", "/api/lalalai/cancel"),
    ("post", "/api/lalalai/cancel-all"),
    ("get", "/api/schema/"),
]


def test_token_from_username_and_password_opens_the_api(anonymous, user):
    answer = anonymous.post("/api/auth/token/", {"username": "alice", "password": "a-Long-passw0rd"}, format="json")
    assert answer.status_code == 200
    token = answer.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/tracks/").status_code == 200
    again = anonymous.post("/api/auth/token/", {"username": "alice", "password": "a-Long-passw0rd"}, format="json")
    assert again.json()["token"] == token


def test_wrong_password_gets_no_token_and_a_readable_message(anonymous, user):
    answer = anonymous.post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert answer.status_code == 400
    assert "token" not in answer.json()
    assert "Unable to log in" in answer.json()["detail"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_refuses_requests_without_credentials(anonymous, db, method, url):
    answer = getattr(anonymous, method)(url)
    assert answer.status_code == 401
    assert "json" in answer["Content-Type"]
    assert "credentials" in answer.json()["detail"]


def test_a_made_up_token_is_refused(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    answer = anonymous.get("/api/tracks/")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Invalid token."


def test_the_browser_session_works_too(user_client):
    assert user_client.get("/api/settings/").status_code == 200


def test_docs_page_needs_login_and_loads_nothing_from_a_cdn(db, user_client):
    assert Client().get("/api/docs/").status_code == 302
    page = user_client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "/api/schema/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    redoc = user_client.get("/api/redoc/")
    assert redoc.status_code == 200 and "cdn" not in redoc.content.decode().lower()
