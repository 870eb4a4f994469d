"""Upload rules: what is accepted, what is refused, and that a refusal leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audio.models import Track
from tests.audio.files import encode, wav_of_size, write_wav
from tests.stored import StoredFiles

UPLOAD_URL = "/tracks/upload"


def post(client, *paths: Path, names: list[str] | None = None):
    files = [SimpleUploadedFile(name, path.read_bytes()) for name, path in zip(names or [p.name for p in paths], paths)]
    return client.post(UPLOAD_URL, {"file": files}, HTTP_ACCEPT="application/json")


def stored_files(uploads_dir: Path) -> list[str]:
    """The stored names, and any temporary file an upload left in incoming/."""
    leftovers = [f"incoming/{path.name}" for path in (uploads_dir / "incoming").iterdir()]
    return sorted([*StoredFiles().library_names(), *leftovers])


def assert_nothing_stored(uploads_dir: Path) -> None:
    assert Track.objects.count() == 0
    assert stored_files(uploads_dir) == []


@pytest.fixture
def wav(tmp_path) -> Path:
    return write_wav(tmp_path / "tone.wav", frames=44100)


@pytest.mark.parametrize(
    "extension,codec_args",
    [
        ("wav", ()),
        ("mp3", ()),
        ("flac", ()),
        ("ogg", ("-c:a", "libvorbis")),
        ("m4a", ()),
        ("aac", ()),
        ("aiff", ()),
    ],
)
def test_each_supported_format_becomes_a_track(user_client, user, wav, tmp_path, uploads_dir, extension, codec_args):
    source = encode(wav, tmp_path / f"song.{extension}", extra=codec_args) if extension != "wav" else wav
    response = post(user_client, source)
    assert response.status_code == 200, response.content
    track = Track.objects.get(owner=user)
    assert abs(track.duration_seconds - 1.0) < 0.1
    assert StoredFiles().read(track.file_path) == source.read_bytes()
    assert track.file_path == f"tracks/{track.id}/original.{extension}"


def test_content_decides_the_format_not_the_name(user_client, user, wav, uploads_dir):
    response = post(user_client, wav, names=["actually-a-wav.mp3"])
    assert response.status_code == 200
    track = Track.objects.get(owner=user)
    assert track.extension == "wav" and track.original_filename == "actually-a-wav.mp3"


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty"),
        (b"this is a text file, not a song\n" * 40, "not audio"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(range(256)) * 8, "not audio"),
    ],
)
def test_non_audio_is_refused_and_nothing_is_stored(user_client, uploads_dir, content, reason):
    response = user_client.post(
        UPLOAD_URL, {"file": SimpleUploadedFile("song.mp3", content)}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert reason in " ".join(response.json()["errors"].values()).lower()
    assert_nothing_stored(uploads_dir)


@pytest.mark.parametrize("extension", ["wav", "mp3", "flac", "m4a", "aiff", "ogg"])
def test_truncated_file_is_refused(user_client, wav, tmp_path, uploads_dir, extension):
    long_wav = write_wav(tmp_path / "long.wav", frames=44100 * 4)
    full = long_wav if extension == "wav" else encode(long_wav, tmp_path / f"full.{extension}")
    cut = tmp_path / f"cut.{extension}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    response = post(user_client, cut)
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["errors"].values()).lower()
    assert any(word in message for word in ("truncated", "corrupt", "not audio", "no audio")), message
    assert_nothing_stored(uploads_dir)


def test_corrupt_stream_is_refused(user_client, tmp_path, uploads_dir):
    flac = encode(write_wav(tmp_path / "x.wav", frames=44100 * 2), tmp_path / "x.flac")
    data = bytearray(flac.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 4000] = b"\xff" * 4000  # garbage over audio frames
    bad = tmp_path / "bad.flac"
    bad.write_bytes(bytes(data))
    response = post(user_client, bad)
    assert response.status_code == 400, response.content
    assert_nothing_stored(uploads_dir)


@pytest.mark.parametrize("delta,accepted", [(-4, True), (0, True), (4, False)])
def test_size_limit_below_at_and_above(user_client, settings, tmp_path, uploads_dir, delta, accepted):
    settings.MAX_UPLOAD_MB = 1
    limit = 1024 * 1024
    response = post(user_client, wav_of_size(tmp_path / "sized.wav", limit + delta))
    if accepted:
        assert response.status_code == 200, response.content
        assert Track.objects.count() == 1
    else:
        assert response.status_code == 413
        assert "1 MB" in " ".join(response.json()["errors"].values())
        assert_nothing_stored(uploads_dir)


@pytest.mark.parametrize("frames,accepted", [(44100 * 5 - 441, True), (44100 * 5, True), (44100 * 5 + 441, False)])
def test_duration_limit_below_at_and_above(user_client, settings, tmp_path, uploads_dir, frames, accepted):
    settings.MAX_TRACK_SECONDS = 5
    response = post(user_client, write_wav(tmp_path / "timed.wav", frames=frames))
    if accepted:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400
        assert "limit is 5 s" in " ".join(response.json()["errors"].values())
        assert_nothing_stored(uploads_dir)


def test_duration_limit_applies_to_compressed_files(user_client, settings, tmp_path, uploads_dir):
    settings.MAX_TRACK_SECONDS = 5
    mp3 = encode(write_wav(tmp_path / "six.wav", frames=44100 * 6), tmp_path / "six.mp3")
    assert post(user_client, mp3).status_code == 400
    assert_nothing_stored(uploads_dir)


@pytest.mark.parametrize(
    "client_name,shown",
    [
        ("../../etc/passwd.mp3", "passwd.mp3"),
        ("Ünïcødé 日本語 🎵.wav", "Ünïcødé 日本語 🎵.wav"),
        ("a" * 400 + ".wav", None),
    ],
)
def test_client_file_name_is_shown_never_used_as_a_path(
    user_client, user, wav, tmp_path, uploads_dir, client_name, shown
):
    response = post(user_client, wav, names=[client_name])
    assert response.status_code == 200
    track = Track.objects.get(owner=user)
    assert track.file_path == f"tracks/{track.id}/original.wav"
    assert stored_files(uploads_dir) == [track.file_path]
    if shown is not None:
        assert track.original_filename == shown
    assert len(track.original_filename) <= 255
    assert track.original_filename in user_client.get("/").content.decode() or shown is None


def test_same_file_twice_is_one_track(user_client, user, other_user, client, wav, uploads_dir):
    first = post(user_client, wav).json()["tracks"][0]
    second = post(user_client, wav, names=["renamed.wav"]).json()["tracks"][0]
    assert first["created"] is True and second["created"] is False
    assert first["id"] == second["id"]
    assert Track.objects.filter(owner=user).count() == 1
    assert len(stored_files(uploads_dir)) == 1
    client.force_login(other_user)  # another user's library is their own
    assert post(client, wav).json()["tracks"][0]["created"] is True
    assert Track.objects.count() == 2


def test_many_files_in_one_request_each_get_an_answer(user_client, wav, tmp_path, uploads_dir):
    other = write_wav(tmp_path / "other.wav", frames=22050, freq=330)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"nope" * 100)
    body = post(user_client, wav, other, junk).json()
    assert sorted(t["title"] for t in body["tracks"]) == ["other", "tone"]
    assert list(body["errors"]) == ["junk.wav"] and "junk.wav: " in body["detail"]
    assert Track.objects.count() == 2


def test_upload_streams_to_a_file_on_disk(user_client, user, wav, monkeypatch):
    """Even a small upload is written to disk, never held in memory."""
    from audio import services

    seen = []
    real = services.track_create

    def spy(**kwargs):
        seen.append(Path(kwargs["upload"].temporary_file_path()).is_file())
        return real(**kwargs)

    monkeypatch.setattr(services, "track_create", spy)
    assert post(user_client, wav).status_code == 200
    assert seen == [True]


def test_page_form_without_javascript_redirects_with_a_message(user_client, wav):
    response = user_client.post(UPLOAD_URL, {"file": SimpleUploadedFile("tone.wav", wav.read_bytes())}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Added “tone”." in response.content.decode()


def test_no_file_is_a_clear_error(user_client):
    response = user_client.post(UPLOAD_URL, {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "Choose at least one audio file" in " ".join(response.json()["errors"].values())


def test_anonymous_upload_is_refused(client, wav, uploads_dir, db):
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("tone.wav", wav.read_bytes())})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert_nothing_stored(uploads_dir)


def test_delete_removes_row_and_files(user_client, user, wav, uploads_dir, django_capture_on_commit_callbacks):
    post(user_client, wav)
    track = Track.objects.get(owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(f"/tracks/{track.id}/delete")
    assert response.status_code == 302
    assert not Track.objects.exists()
    assert stored_files(uploads_dir) == []
