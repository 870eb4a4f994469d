"""Sign up, log in, log out."""

from django.contrib.auth import get_user_model


def test_sign_up_logs_the_new_user_in(client, db):
    response = client.post(
        "/signup/",
        {"username": "newbie", "password1": "Str0ng-enough-pass", "password2": "Str0ng-enough-pass"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert get_user_model().objects.filter(username="newbie").exists()
    assert "newbie" in response.content.decode()


def test_sign_up_with_mismatched_passwords_says_why(client, db):
    response = client.post(
        "/signup/", {"username": "newbie", "password1": "Str0ng-enough-pass", "password2": "different-pass-123"}
    )
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_log_in_and_out(client, user):
    response = client.post("/login/", {"username": "alice", "password": "a-Long-passw0rd"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, user):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_closed_sign_up_refuses_in_words_and_creates_nobody(client, db, settings):
    settings.SIGNUP_OPEN = False
    page = client.get("/signup/")
    assert page.status_code == 403 and "ask its administrator for an account" in page.content.decode()
    answer = client.post(
        "/signup/", {"username": "newbie", "password1": "Str0ng-enough-pass", "password2": "Str0ng-enough-pass"}
    )
    assert answer.status_code == 403
    assert not get_user_model().objects.exists()
    assert "Create an account" not in client.get("/login/").content.decode()


def test_open_sign_up_is_offered_on_the_log_in_page(client, db):
    assert "Create an account" in client.get("/login/").content.decode()
