"""The lalal.ai account endpoints: quota, cancel one job, cancel all, against a fake lalal.ai."""

import pytest

from audio.models import Track
from jobs.models import JobStatus
from preferences.services import preferences_update
from tests.jobs.conftest import wait_for


@pytest.fixture
def track(user, make_track):
    return make_track(user, seconds=2.0)


def test_quota_adds_minutes_used_here_to_minutes_left_at_lalalai(api, user, track, make_job, license_key):
    preferences_update(user=user, values={"lalalai_key": license_key})
    make_job(track, engine="lalalai", model="auto", status=JobStatus.COMPLETED, stems=("vocals", "drums", "other"))
    make_job(track, engine="lalalai", model="orion", status=JobStatus.FAILED)
    make_job(track, engine="local", status=JobStatus.COMPLETED, stems=("vocals", "drums"))
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 200
    assert answer.json() == {"quota_minutes": 600.1, "used_minutes": 0.1, "remaining_minutes": 600.0}


def test_a_preview_counts_only_its_excerpt(api, user, make_track, make_job, license_key):
    preferences_update(user=user, values={"lalalai_key": license_key})
    long_track = make_track(user, seconds=1.0, seed=5)
    Track.objects.filter(pk=long_track.pk).update(duration_seconds=300.0)
    long_track.refresh_from_db()
    make_job(long_track, engine="lalalai", status=JobStatus.COMPLETED, preview=True, stems=("vocals", "instrumental"))
    assert api.get("/api/lalalai/quota").json()["used_minutes"] == 2.0  # 1 minute x 2 stems
    make_job(long_track, engine="lalalai", status=JobStatus.COMPLETED, stems=("vocals", "instrumental"))
    assert api.get("/api/lalalai/quota").json()["used_minutes"] == 12.0  # + 5 minutes x 2 stems


def test_quota_without_any_key_says_how_to_add_one(api, fake_lalalai):
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert "Add your key on the Settings page" in answer.json()["detail"]
    assert fake_lalalai.calls("minutes_left") == []


def test_quota_with_a_key_lalalai_refuses(api, user, fake_lalalai):
    preferences_update(user=user, values={"lalalai_key": "not-a-key-lalal-knows"})
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert "not-a-key-lalal-knows" not in answer.content.decode()


def test_cancel_one_lalalai_job(api, track, make_job):
    job = make_job(track, engine="lalalai", model="auto", status=JobStatus.RUNNING)
    answer = api.post("/api/lalalai/cancel", {"job": str(job.id)}, format="json")
    assert answer.status_code == 200
    assert answer.json()["jobs"] == [{"job": str(job.id), "cancelled": True, "status": "cancelled"}]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    again = api.post("/api/lalalai/cancel", {"job": str(job.id)}, format="json").json()
    assert again["jobs"][0]["cancelled"] is False


def test_cancel_refuses_local_jobs_bad_bodies_and_other_users_jobs(api, other_api, track, make_job):
    local = make_job(track, status=JobStatus.RUNNING)
    answer = api.post("/api/lalalai/cancel", {"job": str(local.id)}, format="json")
    assert answer.status_code == 409 and "local engine" in answer.json()["detail"]
    assert api.post("/api/lalalai/cancel", {}, format="json").status_code == 400
    assert api.post("/api/lalalai/cancel", {"job": "x"}, format="json").status_code == 400
    cloud = make_job(track, engine="lalalai", model="auto", status=JobStatus.RUNNING)
    assert other_api.post("/api/lalalai/cancel", {"job": str(cloud.id)}, format="json").status_code == 404
    cloud.refresh_from_db()
    local.refresh_from_db()
    assert cloud.status == local.status == JobStatus.RUNNING


def test_cancel_all_stops_the_users_lalalai_jobs_and_tasks(
    api, user, other_user, track, make_job, make_track, fake_lalalai, license_key
):
    preferences_update(user=user, values={"lalalai_key": license_key})
    running = make_job(track, engine="lalalai", model="auto", status=JobStatus.RUNNING)
    queued = make_job(track, engine="lalalai", model="orion", status=JobStatus.QUEUED)
    local = make_job(track, status=JobStatus.RUNNING)
    others = make_job(make_track(other_user, seconds=1.0, seed=3), engine="lalalai", status=JobStatus.RUNNING)
    answer = api.post("/api/lalalai/cancel-all")
    assert answer.status_code == 200
    body = answer.json()
    assert {item["job"] for item in body["jobs"]} == {str(running.id), str(queued.id)}
    assert all(item["cancelled"] and item["status"] == "cancelled" for item in body["jobs"])
    assert body["service_tasks"] == {} and body["service_error"] is None
    assert [call.key for call in fake_lalalai.calls("cancel_all")] == [license_key]
    for job in (local, others):
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING


def test_cancel_all_without_an_own_key_leaves_the_shared_account_alone(api, track, make_job, fake_lalalai):
    job = make_job(track, engine="lalalai", model="auto", status=JobStatus.QUEUED)
    body = api.post("/api/lalalai/cancel-all").json()
    assert body["jobs"] == [{"job": str(job.id), "cancelled": True, "status": "cancelled"}]
    assert fake_lalalai.calls("cancel_all") == []


def test_a_lalalai_job_runs_on_the_users_own_key(
    transactional_db, start_worker, api, user, track, fake_lalalai, license_key
):
    """Through a real worker: the key saved in settings is the one lalal.ai receives."""
    fake_lalalai.state.checks_to_finish = 1
    start_worker(LALALAI_BASE_URL=fake_lalalai.base_url)
    api.put("/api/settings/", {"lalalai_key": license_key, "lalalai_stems": ["vocals", "drums"]}, format="json")
    job = api.post("/api/jobs/", {"track": str(track.id), "engine": "lalalai"}, format="json").json()
    done = wait_for(
        lambda: (lambda j: j if j["status"] not in ("queued", "running") else None)(
            api.get(f"/api/jobs/{job['id']}/").json()
        ),
        timeout=60,
        message="the lalal.ai job to end",
    )
    assert done["status"] == "completed", done["error"]
    assert sorted(stem["stem_type"] for stem in done["stems"]) == ["drums", "other", "vocals"]
    assert {call.key for call in fake_lalalai.calls("upload")} == {license_key}
    quota = api.get("/api/lalalai/quota").json()
    assert quota["used_minutes"] == round(track.duration_seconds / 60 * 3, 2)


@pytest.fixture
def installation_key(fake_lalalai, settings, monkeypatch):
    from audio.engines import registry

    key = "installation-licence-key-0001"
    fake_lalalai.add_key(key, minutes=900.0)
    settings.SYSTEM_LALALAI_ACTIVATION_KEY = key
    monkeypatch.setattr(registry, "_instances", {})
    return key


def test_the_installations_minutes_are_shown_to_staff_only(api, user, installation_key, fake_lalalai):
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 200
    assert answer.json() == {"quota_minutes": None, "used_minutes": 0.0, "remaining_minutes": None}
    assert fake_lalalai.calls("minutes_left") == [], "lalal.ai is not even asked"
    user.is_staff = True
    user.save()
    assert api.get("/api/lalalai/quota").json()["remaining_minutes"] == 900.0


def test_quota_answers_are_cached_per_key(api, user, license_key, fake_lalalai):
    preferences_update(user=user, values={"lalalai_key": license_key})
    for _ in range(3):
        assert api.get("/api/lalalai/quota").json()["remaining_minutes"] == 600.0
    assert len(fake_lalalai.calls("minutes_left")) == 1


def test_quota_with_an_unreadable_saved_key_says_to_enter_it_again(api, user, installation_key, settings):
    preferences_update(user=user, values={"lalalai_key": "MyLalalKey-5f3a9c1e77-Q8rT"})
    settings.SETTINGS_ENCRYPTION_KEY = "rotated"
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "Your saved lalal.ai cloud key can no longer be read; enter it again on the Settings page."
    )
