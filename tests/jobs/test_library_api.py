"""The library over the API: edit a track and its cover, search, sort, filter, pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audio.models import Track
from jobs.models import JobStatus
from tests.audio.files import cover_png, ffmpeg


@pytest.fixture
def library(user, make_track):
    """Four tracks; uploaded in this order (the newest last)."""
    rows = [
        ("mix", "", "", 30.0),
        ("Blue Monday", "New Order", "Power, Corruption & Lies", 20.0),
        ("bizarre love triangle", "New Order", "Brotherhood", 10.0),
        ("Around the World", "Daft Punk", "Homework", 40.0),
    ]
    tracks = []
    for seed, (title, artist, album, seconds) in enumerate(rows):
        track = make_track(user, seconds=1.0, seed=seed)
        Track.objects.filter(pk=track.pk).update(title=title, artist=artist, album=album, duration_seconds=seconds)
        tracks.append(track)
    return tracks


def titles(api, query: str = "") -> list[str]:
    answer = api.get(f"/api/tracks/{query}")
    assert answer.status_code == 200, answer.content
    return [track["title"] for track in answer.json()["results"]]


def test_sort_by_added_title_artist_and_duration_either_way(api, library):
    assert titles(api) == ["Around the World", "bizarre love triangle", "Blue Monday", "mix"]
    assert titles(api, "?ordering=added") == ["mix", "Blue Monday", "bizarre love triangle", "Around the World"]
    assert titles(api, "?ordering=title") == ["Around the World", "bizarre love triangle", "Blue Monday", "mix"]
    assert titles(api, "?ordering=-title") == ["mix", "Blue Monday", "bizarre love triangle", "Around the World"]
    assert titles(api, "?ordering=artist") == ["mix", "Around the World", "bizarre love triangle", "Blue Monday"]
    assert titles(api, "?ordering=-duration") == ["Around the World", "mix", "Blue Monday", "bizarre love triangle"]


def test_an_unknown_ordering_is_refused_with_the_choices(api, library):
    answer = api.get("/api/tracks/?ordering=loudness")
    assert answer.status_code == 400
    assert "added, -added, title, -title" in answer.json()["errors"]["ordering"]


def test_search_matches_every_word_in_title_artist_album_or_file_name(api, library):
    assert titles(api, "?q=new+order&ordering=title") == ["bizarre love triangle", "Blue Monday"]
    assert titles(api, "?q=HOMEWORK") == ["Around the World"]
    assert titles(api, "?q=order+corruption") == ["Blue Monday"]
    assert titles(api, "?q=music-0") == ["mix"], "the uploaded file's name"
    assert titles(api, "?q=nothing+like+this") == []


def test_filter_by_whether_a_track_has_a_finished_separation(api, library, make_job):
    make_job(library[1], status=JobStatus.COMPLETED, finished_at=timezone.now())
    make_job(library[2], status=JobStatus.FAILED)
    assert titles(api, "?separated=true") == ["Blue Monday"]
    assert titles(api, "?separated=false&ordering=title") == ["Around the World", "bizarre love triangle", "mix"]
    assert api.get("/api/tracks/?separated=perhaps").status_code == 400


def test_lists_come_in_pages_with_the_total(api, library, make_job):
    first = api.get("/api/tracks/?limit=3&ordering=title").json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["previous"] is None
    rest = api.get(first["next"]).json()
    assert [track["title"] for track in rest["results"]] == ["mix"] and rest["next"] is None
    assert len(api.get("/api/tracks/?limit=100000").json()["results"]) == 4, "limit is capped, not refused"
    for track in library:
        make_job(track)
    jobs = api.get("/api/jobs/?limit=2").json()
    assert jobs["count"] == 4 and len(jobs["results"]) == 2 and jobs["next"]


def test_edit_title_artist_and_album(api, library):
    track = library[0]
    answer = api.patch(
        f"/api/tracks/{track.id}/", {"title": "  Sunrise (Demo 3)\x07 ", "artist": "The Fixtures"}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["title"], answer.json()["artist"], answer.json()["album"]) == (
        "Sunrise (Demo 3)",
        "The Fixtures",
        "",
    )
    track.refresh_from_db()
    assert track.title == "Sunrise (Demo 3)" and track.artist == "The Fixtures"


@pytest.mark.parametrize(
    "body,field",
    [({"title": "   "}, "title"), ({"artist": "x" * 301}, "artist"), ({"album": "y" * 301}, "album")],
)
def test_bad_edits_are_refused_and_change_nothing(api, library, body, field):
    track = library[1]
    answer = api.patch(f"/api/tracks/{track.id}/", {**body, "title": body.get("title", "Kept?")}, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    track.refresh_from_db()
    assert (track.title, track.artist, track.album) == ("Blue Monday", "New Order", "Power, Corruption & Lies")


def test_an_edit_at_the_length_limit_is_taken(api, library):
    answer = api.patch(f"/api/tracks/{library[1].id}/", {"album": "y" * 300}, format="json")
    assert answer.status_code == 200 and len(answer.json()["album"]) == 300


def test_downloads_are_named_after_the_edited_track(api, library, make_job):
    job = make_job(library[0], status=JobStatus.COMPLETED, stems=("vocals",), finished_at=timezone.now())
    api.patch(f"/api/tracks/{library[0].id}/", {"title": "Sunrise", "artist": "The Fixtures"}, format="json")
    answer = api.get(api.get(f"/api/jobs/{job.id}/").json()["zip_url"])
    assert f'filename="the-fixtures-sunrise-htdemucs-{job.id.hex[:6]}.zip"' in answer["Content-Disposition"]


def test_give_replace_and_remove_a_cover(api, library, tmp_path, stored):
    track = library[0]
    placeholder = api.get(f"/api/tracks/{track.id}/").json()["cover_url"]
    png = cover_png(tmp_path / "c.png").read_bytes()
    answer = api.put(
        f"/api/tracks/{track.id}/cover/", {"cover": SimpleUploadedFile("photo.txt", png)}, format="multipart"
    )
    assert answer.status_code == 200
    first_url = answer.json()["cover_url"]
    assert first_url != placeholder
    served = api.get(first_url)
    assert served["Content-Type"] == "image/png" and b"".join(served) == png

    jpeg = tmp_path / "c.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=32x32", "-frames:v", "1", str(jpeg))
    answer = api.put(
        f"/api/tracks/{track.id}/cover/", {"cover": SimpleUploadedFile("c.png", jpeg.read_bytes())}, format="multipart"
    )
    assert answer.status_code == 200 and answer.json()["cover_url"] != first_url
    track.refresh_from_db()
    assert track.cover_mime == "image/jpeg", "decided by decoding, not by the name"
    assert [name for name in stored.names(track.folder) if "/cover" in name] == [track.cover_path]

    answer = api.delete(f"/api/tracks/{track.id}/cover/")
    assert answer.status_code == 200 and answer.json()["cover_url"] == placeholder
    assert api.get(placeholder)["Content-Type"] == "image/svg+xml"
    assert [name for name in stored.names(track.folder) if "/cover" in name] == []


@pytest.mark.parametrize(
    "data,words",
    [(b"", "empty"), (b"just some text, not a picture" * 10, "not a JPEG"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "")],
)
def test_a_file_that_is_not_a_picture_is_refused_and_the_cover_stays(api, library, tmp_path, data, words):
    track = library[0]
    api.put(
        f"/api/tracks/{track.id}/cover/",
        {"cover": SimpleUploadedFile("c.png", cover_png(tmp_path / "c.png").read_bytes())},
        format="multipart",
    )
    before = api.get(f"/api/tracks/{track.id}/").json()["cover_url"]
    answer = api.put(f"/api/tracks/{track.id}/cover/", {"cover": SimpleUploadedFile("x.png", data)}, format="multipart")
    assert answer.status_code == 400 and words in answer.json()["errors"]["cover"]
    assert api.get(f"/api/tracks/{track.id}/").json()["cover_url"] == before


def test_another_user_cannot_edit(other_api, library):
    track = library[0]
    assert other_api.patch(f"/api/tracks/{track.id}/", {"title": "Mine"}, format="json").status_code == 404
    assert other_api.delete(f"/api/tracks/{track.id}/cover/").status_code == 404
    track.refresh_from_db()
    assert track.title == "mix"


def test_a_picture_of_too_many_pixels_is_refused_before_decoding(api, library, tmp_path):
    huge = tmp_path / "huge.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=4200x4200", "-frames:v", "1", str(huge))
    answer = api.put(
        f"/api/tracks/{library[0].id}/cover/",
        {"cover": SimpleUploadedFile("huge.png", huge.read_bytes())},
        format="multipart",
    )
    assert answer.status_code == 400 and answer.json()["errors"]["cover"] == (
        "The picture has more than 4096×4096 pixels."
    )
