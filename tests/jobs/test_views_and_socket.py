"""The library page's job actions (the jobs API with the browser session) and the websocket's
manners, without a worker."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from jobs.models import ProcessingJob
from soundforge.asgi import application
from tests.conftest import run_async

ORIGIN = [(b"origin", b"http://127.0.0.1")]


def separate(client, track, **fields):
    data = {"track": str(track.id), "engine": "local", "model": "htdemucs", "stems": "all", "output_format": "wav"}
    return client.post("/api/jobs/", {**data, **fields}, content_type="application/json")


def test_separate_creates_a_queued_job(user_client, user, make_track, django_capture_on_commit_callbacks):
    track = make_track(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = separate(user_client, track, model="spleeter_2stems", stems="two", output_format="mp3")
    assert response.status_code == 201
    job = response.json()
    assert (job["status"], job["model"], job["stems_mode"], job["output_format"]) == (
        "queued",
        "spleeter_2stems",
        "two",
        "mp3",
    )
    assert len(callbacks) == 1, "the task is sent once the row is committed"


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"model": "htdemucs_9000"}, "model: The local engine has no model 'htdemucs_9000'"),
        ({"engine": "mystery"}, 'engine: "mystery" is not a valid choice'),
        ({"stems": "five"}, 'stems: "five" is not a valid choice'),
        ({"output_format": "ogg"}, 'output_format: "ogg" is not a valid choice'),
    ],
)
def test_bad_choices_are_refused_in_words(user_client, user, make_track, fields, message):
    response = separate(user_client, make_track(user), **fields)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not ProcessingJob.objects.exists()


def test_over_the_limit_a_job_waits_its_turn(user_client, user, make_track, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    separate(user_client, make_track(user, seed=1))
    response = separate(user_client, make_track(user, seed=2))
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["queue_position"]) == ("waiting", 1)


def test_another_users_track_and_job_are_not_found(client, user, other_user, make_track):
    track = make_track(user)
    client.force_login(user)
    job_id = separate(client, track).json()["id"]
    client.force_login(other_user)
    assert separate(client, track).status_code == 404
    assert client.get(f"/api/jobs/{job_id}/").status_code == 404
    assert client.post(f"/api/jobs/{job_id}/cancel/").status_code == 404
    assert ProcessingJob.objects.get(pk=job_id).status == "queued"


def test_cancel_from_the_page(user_client, user, make_track):
    job = separate(user_client, make_track(user)).json()
    first = user_client.post(job["cancel_url"]).json()
    assert first["cancelled"] is True and first["job"]["status"] == "cancelled"
    again = user_client.post(job["cancel_url"]).json()
    assert again["cancelled"] is False


def test_library_page_carries_jobs_and_models(user_client, user, make_track):
    track = make_track(user)
    separate(user_client, track, model="mdx_extra")
    page = user_client.get("/").content.decode()
    assert 'id="jobs-data"' in page and '"mdx_extra"' in page and "spleeter_2stems" in page
    assert "Separate Stems" in page


def test_websocket_refuses_anonymous_users():
    async def connect():
        communicator = WebsocketCommunicator(application, "/ws/jobs/", headers=ORIGIN)
        communicator.scope["user"] = AnonymousUser()
        connected, code = await communicator.connect()
        return connected, code

    assert run_async(connect()) == (False, 4401)


def test_websocket_answers_client_messages_with_an_error(user):
    async def talk():
        communicator = WebsocketCommunicator(application, "/ws/jobs/", headers=ORIGIN)
        communicator.scope["user"] = user
        assert (await communicator.connect())[0]
        await communicator.send_to(text_data="{not json")
        reply = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return reply

    reply = run_async(talk())
    assert reply["type"] == "error" and "only sends job events" in reply["message"]


def test_deleting_a_separation_tells_the_owners_open_pages(transactional_db, user, make_track, api):
    track = make_track(user)
    job = api.post("/api/jobs/", {"track": str(track.id), "model": "mdx_extra"}, format="json").json()

    async def listen_while_deleting():
        communicator = WebsocketCommunicator(application, "/ws/jobs/", headers=ORIGIN)
        communicator.scope["user"] = user
        assert (await communicator.connect())[0]
        answer = await sync_to_async(api.delete)(f"/api/jobs/{job['id']}/")
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return answer.status_code, event

    status, event = run_async(listen_while_deleting())
    assert status == 204
    assert event == {"type": "job.deleted", "job_id": job["id"], "track_id": str(track.id)}
