"""Log-out and a password change close the user's open websockets, and only theirs."""

from __future__ import annotations

import asyncio

from channels.testing import WebsocketCommunicator
from django.test import Client

from soundforge.asgi import application
from tests.conftest import run_async

PASSWORD = "a-Long-passw0rd"


def logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def socket_of(client: Client) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return WebsocketCommunicator(
        application, "/ws/jobs/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)]
    )


def closes_after(action, *watched: Client) -> list[object]:
    """Open a socket per client, run ``action`` (sync), and say how each socket ended: a close code, or None."""

    async def main():
        sockets = [socket_of(client) for client in watched]
        for socket in sockets:
            assert (await socket.connect())[0]
        await asyncio.to_thread(action)
        outcomes = []
        for socket in sockets:
            if await socket.receive_nothing(timeout=2):
                outcomes.append(None)
                await socket.disconnect()
            else:
                outcomes.append((await socket.receive_output())["code"])
        return outcomes

    return run_async(main())


def test_log_out_closes_that_sessions_socket_only(transactional_db, make_user):
    make_user("alice"), make_user("bob")
    alice, alice_elsewhere, bob = logged_in("alice"), logged_in("alice"), logged_in("bob")
    outcomes = closes_after(lambda: alice.post("/logout/"), alice, alice_elsewhere, bob)
    assert outcomes == [4401, None, None]


def test_a_password_change_closes_every_socket_of_the_user(transactional_db, make_user):
    make_user("alice"), make_user("bob")
    alice, alice_elsewhere, bob = logged_in("alice"), logged_in("alice"), logged_in("bob")

    def change():
        answer = alice.post(
            "/password/",
            {"old_password": PASSWORD, "new_password1": "An-0ther-passw0rd", "new_password2": "An-0ther-passw0rd"},
        )
        assert answer.status_code == 302

    assert closes_after(change, alice, alice_elsewhere, bob) == [4401, 4401, None]
    assert alice.get("/").status_code == 200, "the session that changed it stays logged in"
    assert alice_elsewhere.get("/").status_code == 302, "other sessions are logged out"
