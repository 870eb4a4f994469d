"""Who may use the API: a token from username and password, or the browser's session;
tokens expire, rotate, are revoked, and die with a password change."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken

PASSWORD = "a-Long-passw0rd"

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


def test_a_token_expires_after_its_lifetime(api, user, settings):
    settings.TOKEN_TTL_DAYS = 30
    token = ApiToken.objects.get(user=user)
    for age, works in ((timedelta(days=29), True), (timedelta(days=30, seconds=-5), True), (timedelta(days=31), False)):
        ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - age)
        answer = api.get("/api/tracks/")
        assert (answer.status_code == 200) is works, age
    assert "expired or was revoked" in answer.json()["detail"]
    fresh = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert fresh.json()["token"] != token.key, "an expired token is replaced, not handed out again"


def test_rotate_gives_a_new_token_and_the_old_one_stops_working(api, user):
    old = ApiToken.objects.get(user=user).key
    answer = api.post("/api/auth/token/rotate/")
    assert answer.status_code == 200
    new = answer.json()["token"]
    assert new != old
    assert api.get("/api/tracks/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api.get("/api/tracks/").status_code == 200


def test_revoke_ends_the_token(api, user):
    assert api.delete("/api/auth/token/").status_code == 204
    assert api.get("/api/tracks/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_any_password_change_revokes_the_token(api, user):
    user.set_password("a-New-passw0rd-2")  # as the admin or `changepassword` would
    user.save()
    answer = api.get("/api/tracks/")
    assert answer.status_code == 401 and "expired or was revoked" in answer.json()["detail"]


def test_tokens_only_in_the_header_never_in_the_url(anonymous, user):
    key = ApiToken.objects.get_or_create(
        user=user, defaults={"key": "k" * 40, "created_at": timezone.now(), "password_digest": "x"}
    )[0].key
    assert anonymous.get(f"/api/tracks/?token={key}").status_code == 401
