"""Title, artist, album and cover art come from the file's own tags."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audio.decoding import inspect_audio
from audio.models import Track
from tests.audio.files import cover_png, encode, ffmpeg, ogg_picture_tag, write_wav

TAGS = {"title": "Nuit Blanche — ünïcødé", "artist": "Les Testeurs", "album": "Fixtures Vol. 1"}


@pytest.fixture
def tone(tmp_path):
    return write_wav(tmp_path / "tone.wav", frames=44100 * 2)


@pytest.fixture
def cover(tmp_path):
    return cover_png(tmp_path / "cover.png")


def upload(client, path):
    return client.post(
        "/tracks/upload",
        {"file": SimpleUploadedFile("file-name." + path.suffix[1:], path.read_bytes())},
        HTTP_ACCEPT="application/json",
    )


@pytest.mark.parametrize("extension", ["mp3", "flac", "m4a"])
def test_tags_and_attached_picture(user_client, user, tone, cover, tmp_path, uploads_dir, extension):
    song = encode(tone, tmp_path / f"song.{extension}", tags=TAGS, cover=cover)
    assert upload(user_client, song).status_code == 200
    track = Track.objects.get(owner=user)
    assert (track.title, track.artist, track.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
    assert abs(track.duration_seconds - 2.0) < 0.06
    assert (track.sample_rate, track.channels) == (44100, 2)
    art = user_client.get(f"/tracks/{track.id}/cover")
    assert art.status_code == 200
    body = b"".join(art)
    assert art["Content-Type"] == track.cover_mime
    assert body == (uploads_dir / track.cover_path).read_bytes()
    assert body[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"\xff\xd8\xff\xfe")


def test_ogg_vorbis_tags_and_picture_block(user_client, user, tone, cover, tmp_path):
    song = encode(
        tone,
        tmp_path / "song.ogg",
        tags={**TAGS, "METADATA_BLOCK_PICTURE": ogg_picture_tag(cover)},
        extra=("-c:a", "libvorbis"),
    )
    assert upload(user_client, song).status_code == 200
    track = Track.objects.get(owner=user)
    assert (track.title, track.artist, track.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
    assert track.cover_mime == "image/png"
    art = user_client.get(f"/tracks/{track.id}/cover")
    assert b"".join(art) == cover.read_bytes()


def test_wav_info_tags(user_client, user, tone, tmp_path):
    """WAV carries tags in its INFO chunk (FFmpeg cannot attach a picture to WAV)."""
    song = encode(tone, tmp_path / "song.wav", tags=TAGS)
    assert upload(user_client, song).status_code == 200
    track = Track.objects.get(owner=user)
    assert (track.title, track.artist, track.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
    assert track.cover_path == ""


def test_untagged_file_is_titled_after_its_name_with_a_generated_cover(user_client, user, tone):
    response = user_client.post(
        "/tracks/upload", {"file": SimpleUploadedFile("My Demo (take 2).wav", tone.read_bytes())}
    )
    assert response.status_code == 302
    track = Track.objects.get(owner=user)
    assert track.title == "My Demo (take 2)" and track.artist == ""
    art = user_client.get(f"/tracks/{track.id}/cover")
    assert art["Content-Type"] == "image/svg+xml"
    assert b"<svg" in art.content and b">M</text>" in art.content


def test_mono_48k_file_is_described_as_it_is(tmp_path):
    mono = write_wav(tmp_path / "mono.wav", frames=48000 * 3, rate=48000, channels=1)
    flac = tmp_path / "mono.flac"
    ffmpeg("-i", str(mono), str(flac))
    info = inspect_audio(flac, max_seconds=60)
    assert (info.extension, info.codec, info.sample_rate, info.channels) == ("flac", "flac", 48000, 1)
    assert info.duration == pytest.approx(3.0, abs=1e-3)


def test_card_shows_title_artist_and_duration(user_client, tone, cover, tmp_path):
    song = encode(tone, tmp_path / "song.mp3", tags=TAGS, cover=cover)
    card = upload(user_client, song).json()["tracks"][0]["card_html"]
    assert "Nuit Blanche — ünïcødé" in card and "Les Testeurs" in card
    assert 'data-seconds="2.0' in card


def test_tags_longer_than_a_title_holds_are_cut_not_a_server_error(user_client, user, tone, tmp_path):
    long = {"title": "T" * 1000, "artist": "A" * 400, "album": "B" * 301}
    assert upload(user_client, encode(tone, tmp_path / "long.flac", tags=long)).status_code == 200
    track = Track.objects.get(owner=user)
    assert (track.title, track.artist, track.album) == ("T" * 300, "A" * 300, "B" * 300)
