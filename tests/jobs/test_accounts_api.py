"""The lalal.ai account endpoints: quota, cancel one job, cancel all, against a fake lalal.ai."""

import copy

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
    make_job(
        track,
        engine="lalalai",
        model="auto",
        status=JobStatus.COMPLETED,
        options={"stems": ["vocals", "drums", "bass"]},
        stems=("vocals", "drums", "bass", "other"),
    )
    make_job(track, engine="lalalai", model="orion", status=JobStatus.FAILED)
    make_job(track, engine="local", status=JobStatus.COMPLETED, stems=("vocals", "drums"))
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 200
    # 2 s x the 3 stems asked for (lalal.ai bills no "other")
    assert answer.json() == {"quota_minutes": 600.1, "used_minutes": 0.1, "remaining_minutes": 600.0}


def test_a_preview_counts_only_its_excerpt(api, user, make_track, make_job, license_key):
    preferences_update(user=user, values={"lalalai_key": license_key})
    long_track = make_track(user, seconds=1.0, seed=5)
    Track.objects.filter(pk=long_track.pk).update(duration_seconds=300.0)
    long_track.refresh_from_db()
    two = {"model": "auto", "stems_mode": "two", "stems": ("vocals", "instrumental")}  # lalal.ai bills vocals alone
    make_job(long_track, engine="lalalai", status=JobStatus.COMPLETED, preview=True, **two)
    assert api.get("/api/lalalai/quota").json()["used_minutes"] == 1.0  # 1 minute x 1 stem
    make_job(long_track, engine="lalalai", status=JobStatus.COMPLETED, **two)
    assert api.get("/api/lalalai/quota").json()["used_minutes"] == 6.0  # + 5 minutes x 1 stem


def test_quota_without_any_key_says_how_to_add_one(api, fake_lalalai):
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert "Add your key on the Settings page" in answer.json()["detail"]
    assert fake_lalalai.calls("minutes_left") == []


def test_quota_with_a_key_lalalai_no_longer_takes(api, user, fake_lalalai):
    fake_lalalai.add_key("a-key-lalal-will-revoke")
    preferences_update(user=user, values={"lalalai_key": "a-key-lalal-will-revoke"})
    fake_lalalai.revoke_key("a-key-lalal-will-revoke")
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert "Invalid license key" in answer.json()["detail"]
    assert "a-key-lalal-will-revoke" not in answer.content.decode()


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
    transactional_db, start_worker, api, user, track, fake_lalalai, license_key, settings, redis_url
):
    """Through a real worker: the key saved in settings is the one lalal.ai receives."""
    fake_lalalai.state.checks_to_finish = 1
    start_worker(LALALAI_BASE_URL=fake_lalalai.base_url)
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = redis_url  # the cache the worker uses, as in an installation
    settings.CACHES = caches
    api.put("/api/settings/", {"lalalai_key": license_key, "lalalai_stems": ["vocals", "drums"]}, format="json")
    before = api.get("/api/lalalai/quota").json()  # cached from now on
    priced = api.get(f"/api/lalalai/quota?track={track.id}").json()["job_cost_minutes"]
    assert priced == round(track.duration_seconds / 60 * 2, 2), "two stems asked for: two billed"
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
    # lalal.ai billed the two stems asked for (not the "other" it adds), and the answer is not the
    # one cached before the job: the total stays what it was.
    assert quota["used_minutes"] == priced
    assert quota["remaining_minutes"] == round(fake_lalalai.minutes_left(license_key), 2) == round(600 - priced, 2)
    assert quota["quota_minutes"] == before["quota_minutes"] == 600.0


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
    preferences_update(user=user, values={"lalalai_key": license_key})  # checked with lalal.ai: one call
    for _ in range(3):
        assert api.get("/api/lalalai/quota").json()["remaining_minutes"] == 600.0
    assert len(fake_lalalai.calls("minutes_left")) == 2


def test_quota_with_an_unreadable_saved_key_says_to_enter_it_again(api, user, installation_key, settings, fake_lalalai):
    fake_lalalai.add_key("MyLalalKey-5f3a9c1e77-Q8rT")
    preferences_update(user=user, values={"lalalai_key": "MyLalalKey-5f3a9c1e77-Q8rT"})
    settings.SETTINGS_ENCRYPTION_KEY = "rotated"
    answer = api.get("/api/lalalai/quota")
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "Your saved lalal.ai cloud key can no longer be read; enter it again on the Settings page."
    )


def test_a_new_key_lalalai_refuses_is_not_saved_and_says_why(api, user, fake_lalalai):
    answer = api.put("/api/settings/", {"lalalai_key": "a-key-lalal-never-issued"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"]["lalalai_key"] == (
        "lalal.ai did not accept this key: Invalid license key. Copy it again from your lalal.ai account page."
    )
    assert api.get("/api/settings/").json()["lalalai_key_set"] is False


def test_a_key_that_cannot_be_checked_is_not_saved(api, user, fake_lalalai, license_key):
    fake_lalalai.fail("minutes_left", "status", times=10, status=503)
    answer = api.put("/api/settings/", {"lalalai_key": license_key}, format="json")
    assert answer.status_code == 400
    assert "could not be checked with lalal.ai right now" in answer.json()["errors"]["lalalai_key"]
    assert api.get("/api/settings/").json()["lalalai_key_set"] is False


def test_other_settings_save_without_asking_lalalai(api, user, fake_lalalai, license_key):
    preferences_update(user=user, values={"lalalai_key": license_key})
    asked = len(fake_lalalai.calls("minutes_left"))
    assert api.put("/api/settings/", {"lalalai_splitter": "perseus"}, format="json").status_code == 200
    assert len(fake_lalalai.calls("minutes_left")) == asked


def test_the_price_of_a_job_before_it_starts(api, user, make_track, license_key):
    preferences_update(user=user, values={"lalalai_key": license_key, "lalalai_stems": ["vocals", "drums", "bass"]})
    track = make_track(user, seconds=90.0)
    price = lambda query: api.get(f"/api/lalalai/quota?track={track.id}{query}").json()["job_cost_minutes"]  # noqa: E731
    assert price("") == 4.5, "90 s, three stems"
    assert price("&stems=two") == 1.5, "vocals alone"
    assert price("&preview=true") == 3.0, "a minute's excerpt, three stems"
    refused = api.get(f"/api/lalalai/quota?track={track.id}&model=nonsense")
    assert refused.status_code == 400 and "nonsense" in refused.json()["errors"]["model"]
