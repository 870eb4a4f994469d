"""Jobs over the API: created from the user's settings, read with their stems, cancelled; owners only."""

import pytest

from audio.engines import registry
from jobs.models import JobStatus, ProcessingJob


@pytest.fixture
def track(user, make_track):
    return make_track(user, seconds=1.0)


def test_unset_fields_come_from_the_users_settings(api, track):
    api.put(
        "/api/settings/", {"local_model": "htdemucs_6s", "stems_mode": "two", "output_format": "flac"}, format="json"
    )
    answer = api.post("/api/jobs/", {"track": str(track.id)}, format="json")
    assert answer.status_code == 201
    job = answer.json()
    assert (job["engine"], job["model"], job["stems_mode"], job["output_format"]) == (
        "local",
        "htdemucs_6s",
        "two",
        "flac",
    )
    assert job["status"] == "queued" and job["preview"] is False and job["options"] == {}
    assert job["track_id"] == str(track.id) and job["stems"] == [] and job["zip_url"] is None


def test_lalalai_jobs_take_the_splitter_and_options_from_settings(api, user, make_track, settings, monkeypatch):
    track = make_track(user, seconds=61.0)  # longer than a preview
    settings.SYSTEM_LALALAI_ACTIVATION_KEY = "the-installations-key"
    monkeypatch.setattr(registry, "_instances", {})
    api.put(
        "/api/settings/",
        {
            "engine": "lalalai",
            "lalalai_splitter": "phoenix",
            "lalalai_stems": ["strings"],
            "lalalai_dereverb": True,
            "lalalai_extraction_level": "clear_cut",
        },
        format="json",
    )
    job = api.post("/api/jobs/", {"track": str(track.id), "preview": True}, format="json").json()
    assert (job["engine"], job["model"], job["preview"]) == ("lalalai", "phoenix", True)
    assert job["options"] == {"dereverb": True, "extraction_level": "clear_cut", "stems": ["strings"]}
    local = api.post("/api/jobs/", {"track": str(track.id), "engine": "local"}, format="json").json()
    catalog = {engine["name"]: engine["models"] for engine in api.get("/api/models/").json()["engines"]}
    default = next(model["name"] for model in catalog["local"] if model["default"])
    assert (local["engine"], local["model"], local["options"]) == ("local", default, {})


def test_given_fields_win_and_the_same_job_twice_is_one_job(api, track):
    body = {
        "track": str(track.id),
        "engine": "local",
        "model": "spleeter_2stems",
        "stems": "all",
        "output_format": "mp3",
    }
    first = api.post("/api/jobs/", body, format="json")
    second = api.post("/api/jobs/", body, format="json")
    assert first.json()["model"] == "spleeter_2stems" and first.json()["output_format"] == "mp3"
    assert second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert ProcessingJob.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("engine", "spotify"),
        ("stems", "five"),
        ("output_format", "ogg"),
        ("model", "htdemucs_9000"),
        ("preview", "maybe"),
        ("track", "not-a-uuid"),
    ],
)
def test_bad_values_are_refused_field_by_field(api, track, field, value):
    answer = api.post("/api/jobs/", {"track": str(track.id), field: value}, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"] and answer.json()["detail"].startswith(f"{field}: ")
    assert not ProcessingJob.objects.exists()


def test_a_missing_track_field_is_named(api, db):
    answer = api.post("/api/jobs/", {}, format="json")
    assert answer.status_code == 400 and answer.json()["errors"] == {"track": "This field is required."}


def test_a_job_beyond_the_limit_waits_its_turn_and_waiting_is_bounded(api, track, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER, settings.MAX_WAITING_JOBS_PER_USER = 2, 1
    for model in ("htdemucs", "mdx_extra"):
        assert api.post("/api/jobs/", {"track": str(track.id), "model": model}, format="json").status_code == 201
    answer = api.post("/api/jobs/", {"track": str(track.id), "model": "htdemucs_ft"}, format="json")
    assert answer.status_code == 201
    assert (answer.json()["status"], answer.json()["status_label"], answer.json()["queue_position"]) == (
        "waiting",
        "Waiting",
        1,
    )
    answer = api.post("/api/jobs/", {"track": str(track.id), "model": "htdemucs_6s"}, format="json")
    assert answer.status_code == 409
    assert "You already have 1 separations waiting their turn" in answer.json()["detail"]


def test_list_detail_and_the_stems_urls(api, track, make_job):
    done = make_job(track, status=JobStatus.COMPLETED, stems=("vocals", "drums"))
    queued = make_job(track, model="mdx_extra")
    assert [job["id"] for job in api.get("/api/jobs/").json()["results"]] == [str(queued.id), str(done.id)]
    assert api.get(f"/api/jobs/?track={track.id}").status_code == 200
    assert api.get("/api/jobs/?track=00000000-0000-0000-0000-000000000000").json()["results"] == []
    assert api.get("/api/jobs/?track=nope").status_code == 400

    job = api.get(f"/api/jobs/{done.id}/").json()
    assert job["status"] == "completed" and [s["stem_type"] for s in job["stems"]] == ["drums", "vocals"]
    stem = job["stems"][0]
    assert api.get(stem["file_url"]).status_code == 200
    export = api.get(stem["export_url"])
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    assert api.get(job["zip_url"]).status_code == 200


def test_cancel_a_job(api, track, make_job):
    job = make_job(track, status=JobStatus.RUNNING)
    answer = api.post(f"/api/jobs/{job.id}/cancel/")
    assert answer.status_code == 200
    assert answer.json()["cancelled"] is True and answer.json()["job"]["status"] == "cancelled"
    assert answer.json()["job"]["error"] == "Cancelled by the user."
    assert api.post(f"/api/jobs/{job.id}/cancel/").json()["cancelled"] is False


def test_other_users_jobs_and_tracks_answer_404(api, other_api, track, make_job):
    job = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",))
    assert other_api.get(f"/api/jobs/{job.id}/").status_code == 404
    assert other_api.post(f"/api/jobs/{job.id}/cancel/").status_code == 404
    assert other_api.get("/api/jobs/").json()["count"] == 0
    assert other_api.post("/api/jobs/", {"track": str(track.id)}, format="json").status_code == 404
    stem = api.get(f"/api/jobs/{job.id}/").json()["stems"][0]
    assert other_api.get(stem["export_url"]).status_code == 404
    assert ProcessingJob.objects.count() == 1
