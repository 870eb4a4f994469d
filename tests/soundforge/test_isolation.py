"""A user sees and touches only their own tracks; anything else is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audio.models import Track
from tests.audio.files import write_wav


@pytest.fixture
def alices_track(client, user, tmp_path):
    client.force_login(user)
    wav = write_wav(tmp_path / "secret.wav", frames=44100)
    client.post("/tracks/upload", {"file": SimpleUploadedFile("secret.wav", wav.read_bytes())})
    client.logout()
    return Track.objects.get(owner=user)


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/tracks/{id}/"),
        ("get", "/tracks/{id}/cover"),
        ("get", "/files/tracks/{id}/original"),
        ("post", "/tracks/{id}/delete"),
    ],
)
def test_another_users_track_is_not_found(client, other_user, alices_track, stored, method, url):
    client.force_login(other_user)
    response = getattr(client, method)(url.format(id=alices_track.id))
    assert response.status_code == 404
    assert Track.objects.filter(pk=alices_track.pk).exists()
    assert stored.exists(alices_track.file_path)


def test_library_lists_only_own_tracks(client, other_user, alices_track):
    client.force_login(other_user)
    page = client.get("/").content.decode()
    assert "secret" not in page
    assert "No tracks yet" in page


@pytest.mark.parametrize("url", ["/", "/tracks/{id}/", "/tracks/{id}/cover", "/files/tracks/{id}/original"])
def test_pages_need_a_logged_in_user(client, alices_track, url):
    response = client.get(url.format(id=alices_track.id))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_owner_gets_the_original_with_range(client, user, alices_track, stored):
    client.force_login(user)
    original = stored.read(alices_track.file_path)
    whole = client.get(f"/files/tracks/{alices_track.id}/original")
    assert b"".join(whole) == original
    part = client.get(f"/files/tracks/{alices_track.id}/original", HTTP_RANGE="bytes=10-99")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-99/{len(original)}"
    assert b"".join(part) == original[10:100]
    suffix = client.get(f"/files/tracks/{alices_track.id}/original", HTTP_RANGE="bytes=-16")
    assert b"".join(suffix) == original[-16:]
    beyond = client.get(f"/files/tracks/{alices_track.id}/original", HTTP_RANGE=f"bytes={len(original)}-")
    assert beyond.status_code == 416
