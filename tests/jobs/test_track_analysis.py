"""Tempo and key of uploads: measured by the analysis worker, in the API, sortable, correctable."""

from __future__ import annotations

import pytest
from django.utils import timezone

from audio import services as audio_services
from audio.models import Track
from tests.audio.files import temporary_upload
from tests.audio.songs import Song, render_song
from tests.jobs.conftest import wait_for


def upload(api, path):
    with path.open("rb") as handle:
        return api.post("/api/tracks/", {"file": handle}, format="multipart")


def analysed(track_id) -> bool:
    return Track.objects.filter(pk=track_id, analysed_at__isnull=False).exists()


def test_an_upload_is_analysed_by_the_analysis_worker_and_the_api_carries_tempo_and_key(start_worker, api, tmp_path):
    start_worker(queues="analysis")
    answer = upload(api, render_song(tmp_path, Song(110, "D", "minor"), seconds=25))
    assert answer.status_code == 201
    assert (answer.json()["bpm"], answer.json()["key"], answer.json()["analysed_at"]) == (None, None, None)
    wait_for(lambda: analysed(answer.json()["id"]), 60, message="the analysis")
    track = api.get(f"/api/tracks/{answer.json()['id']}/").json()
    assert track["bpm"] == pytest.approx(110, rel=0.02)
    assert (track["key"], track["key_camelot"]) == ("D minor", "7A")


def test_with_the_broker_down_the_upload_still_succeeds_and_a_starting_worker_analyses_it(
    start_worker, api, tmp_path, redis_server
):
    song = render_song(tmp_path, Song(125, "G", "major"), seconds=20)
    redis_server.stop()
    try:
        answer = upload(api, song)
    finally:
        redis_server.start()
    assert answer.status_code == 201
    assert not analysed(answer.json()["id"])
    start_worker(queues="analysis")  # sends what was never analysed when it starts
    wait_for(lambda: analysed(answer.json()["id"]), 60, message="the backfilled analysis")
    assert Track.objects.get(pk=answer.json()["id"]).key == "G major"


@pytest.fixture
def tracks(user, make_track):
    """Three tracks with tempo and key set, one never analysed."""
    made = {}
    for seed, (name, bpm, key) in enumerate(
        [("slow", 82.0, "E minor"), ("fast", 174.0, "C major"), ("mid", 128.0, "Ab minor"), ("new", None, "")]
    ):
        track = make_track(user, seed=seed)
        done = timezone.now() if bpm else None
        Track.objects.filter(pk=track.pk).update(title=name, bpm=bpm, key=key, analysed_at=done)
        made[name] = track
    return made


def titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [track["title"] for track in answer.json()["results"]]


def test_tracks_sort_by_tempo_and_by_key_on_the_camelot_wheel_with_the_unknown_last(api, tracks):
    assert titles(api.get("/api/tracks/?ordering=bpm")) == ["slow", "mid", "fast", "new"]
    assert titles(api.get("/api/tracks/?ordering=-bpm")) == ["fast", "mid", "slow", "new"]
    # Ab minor is 1A, C major 8B, E minor 9A.
    assert titles(api.get("/api/tracks/?ordering=key")) == ["mid", "fast", "slow", "new"]
    assert titles(api.get("/api/tracks/?ordering=-key")) == ["slow", "fast", "mid", "new"]
    refused = api.get("/api/tracks/?ordering=loudness")
    assert refused.status_code == 400 and "ordering" in refused.json()["errors"]


def test_the_library_page_sorts_by_the_menu_and_shows_tempo_and_key(user_client, tracks):
    page = user_client.get("/?ordering=-bpm").content.decode()
    assert page.index(">fast<") < page.index(">mid<") < page.index(">slow<")
    assert "174 BPM" in page and "C major" in page and "Measuring tempo and key" in page
    assert user_client.get("/?ordering=nonsense").status_code == 200  # the default order


def test_tempo_and_key_are_corrected_by_hand_and_the_analysis_leaves_the_correction(api, tracks, other_api):
    track = tracks["new"]
    answer = api.patch(f"/api/tracks/{track.id}/", {"bpm": 91.5, "key": "f# MINOR"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["bpm"], answer.json()["key"], answer.json()["key_camelot"]) == (91.5, "F# minor", "11A")
    audio_services.track_analyse(track_id=track.id)
    track.refresh_from_db()
    assert (track.bpm, track.key) == (91.5, "F# minor")
    cleared = api.patch(f"/api/tracks/{track.id}/", {"key": None}, format="json").json()
    assert (cleared["bpm"], cleared["key"]) == (91.5, None)


@pytest.mark.parametrize(
    "body, field", [({"bpm": 19.9}, "bpm"), ({"bpm": 300.1}, "bpm"), ({"bpm": "fast"}, "bpm"), ({"key": "H"}, "key")]
)
def test_a_bad_correction_is_refused_and_changes_nothing(api, tracks, body, field):
    track = tracks["slow"]
    answer = api.patch(f"/api/tracks/{track.id}/", body, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    track.refresh_from_db()
    assert (track.bpm, track.key) == (82.0, "E minor")


def test_the_limits_of_a_corrected_tempo_are_accepted(api, tracks):
    for bpm in (20, 300):
        assert api.patch(f"/api/tracks/{tracks['slow'].id}/", {"bpm": bpm}, format="json").json()["bpm"] == bpm


def test_another_users_track_cannot_be_corrected(other_api, tracks):
    assert other_api.patch(f"/api/tracks/{tracks['slow'].id}/", {"bpm": 100}, format="json").status_code == 404


def test_a_track_that_cannot_be_decoded_is_recorded_as_analysed_with_nothing_found(user, tmp_path, stored):
    track, _ = audio_services.track_create(
        owner=user, upload=temporary_upload(render_song(tmp_path, Song(100, "C", "major"), seconds=6))
    )
    stored.write(track.file_path, b"not audio any more")
    audio_services.track_analyse(track_id=track.id)
    track.refresh_from_db()
    assert track.analysed_at is not None and (track.bpm, track.key) == (None, "")
