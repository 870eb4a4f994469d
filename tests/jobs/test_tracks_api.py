"""The track library over the API: list, upload with the page's rules, detail, delete; owners only."""

from audio.models import Track
from tests.audio.files import wav_of_size, write_wav
from tests.stored import s3_storage_settings


def upload(api, path):
    with path.open("rb") as handle:
        return api.post("/api/tracks/", {"file": handle}, format="multipart")


def test_upload_list_detail_and_delete(api, tmp_path, stored, django_capture_on_commit_callbacks):
    created = upload(api, write_wav(tmp_path / "Song One.wav", frames=44100))
    assert created.status_code == 201
    track = created.json()
    assert track["title"] == "Song One" and track["duration_seconds"] == 1.0 and track["channels"] == 2
    assert stored.exists(f"tracks/{track['id']}/original.wav")
    assert api.get(track["original_url"]).status_code == 200

    assert [t["id"] for t in api.get("/api/tracks/").json()["results"]] == [track["id"]]
    assert api.get(f"/api/tracks/{track['id']}/").json()["title"] == "Song One"

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/tracks/{track['id']}/").status_code == 204
    assert stored.names(f"tracks/{track['id']}") == []
    assert api.get(f"/api/tracks/{track['id']}/").status_code == 404


def test_the_same_file_twice_is_one_track(api, tmp_path):
    path = write_wav(tmp_path / "a.wav", frames=8000)
    first, second = upload(api, path), upload(api, path)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Track.objects.count() == 1


def test_not_audio_is_refused_with_a_reason_and_nothing_kept(api, tmp_path, uploads_dir):
    path = tmp_path / "notes.wav"
    path.write_bytes(b"these are my notes, not music" * 100)
    answer = upload(api, path)
    assert answer.status_code == 400
    assert answer.json()["errors"]["file"]
    assert answer.json()["detail"].startswith("file: ")
    assert not Track.objects.exists()
    assert not any((uploads_dir / "incoming").iterdir())


def test_upload_limit_below_at_and_above(api, tmp_path, settings, uploads_dir):
    settings.MAX_UPLOAD_MB = 1
    limit = 1024 * 1024
    assert upload(api, wav_of_size(tmp_path / "below.wav", limit - 4)).status_code == 201
    assert upload(api, wav_of_size(tmp_path / "at.wav", limit)).status_code == 201
    answer = upload(api, wav_of_size(tmp_path / "above.wav", limit + 4))
    assert answer.status_code == 413
    assert answer.json()["detail"] == "The file is larger than the 1 MB limit."
    assert Track.objects.count() == 2
    assert not any((uploads_dir / "incoming").iterdir())


def test_upload_needs_exactly_one_file(api, tmp_path):
    answer = api.post("/api/tracks/", {}, format="multipart")
    assert answer.status_code == 400
    assert "file" in answer.json()["errors"]
    assert api.post("/api/tracks/", {"file": "x"}, format="json").status_code == 415


def test_other_users_tracks_answer_404(api, other_api, tmp_path):
    track_id = upload(api, write_wav(tmp_path / "mine.wav", frames=8000)).json()["id"]
    assert other_api.get("/api/tracks/").json()["count"] == 0
    assert other_api.get(f"/api/tracks/{track_id}/").status_code == 404
    assert other_api.delete(f"/api/tracks/{track_id}/").status_code == 404
    assert Track.objects.filter(pk=track_id).exists()


def test_models_lists_engines_models_and_their_stems(api):
    catalog = api.get("/api/models/").json()
    engines = {engine["name"]: {m["name"]: m["stems"] for m in engine["models"]} for engine in catalog["engines"]}
    assert set(engines) == {"local", "lalalai"}
    assert engines["local"]["htdemucs_6s"] == ["drums", "bass", "other", "vocals", "guitar", "piano"]
    assert engines["local"]["spleeter_2stems"] == ["vocals", "accompaniment"]
    assert {"andromeda", "phoenix", "auto"} <= set(engines["lalalai"])
    assert catalog["stems_modes"] == ["all", "two"] and catalog["output_formats"] == ["wav", "flac", "mp3"]


def test_an_upload_the_storage_cannot_take_answers_503_and_keeps_nothing(
    api, user_client, settings, moto_endpoint, tmp_path, uploads_dir
):
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(moto_endpoint, "no-such-bucket")}
    answer = upload(api, write_wav(tmp_path / "a.wav", frames=8000))
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    assert answer.json()["detail"] == "The file storage is not answering right now; try again in a moment."
    page = user_client.post("/tracks/upload", {"file": (tmp_path / "a.wav").open("rb")}, HTTP_ACCEPT="application/json")
    assert page.status_code == 503 and "try again in a moment" in page.json()["detail"]
    assert not Track.objects.exists()
    assert not any((uploads_dir / "incoming").iterdir())
