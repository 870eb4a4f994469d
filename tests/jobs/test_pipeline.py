"""Jobs end to end with a real Celery worker, the real runner and the real Redis."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from jobs import services
from jobs.models import ProcessingJob, Stem
from soundforge.asgi import application
from tests.conftest import run_async
from tests.jobs.conftest import FAST_MODEL, SLOW_MODEL, job_status, wait_for

STEPS = list(range(0, 101, 10))


class EventLog:
    """A user's websocket, read in the background; events land in ``events``."""

    def __init__(self, user):
        self.communicator = WebsocketCommunicator(application, "/ws/jobs/", headers=[(b"origin", b"http://127.0.0.1")])
        self.communicator.scope["user"] = user
        self.events: list[dict] = []

    async def connect(self) -> None:
        connected, _ = await self.communicator.connect()
        assert connected

    async def collect(self) -> None:
        """Read until cancelled (a receive timeout would cancel the consumer itself)."""
        while True:
            self.events.append(await self.communicator.receive_json_from(timeout=3600))

    def progress(self, job) -> list[int]:
        return [e["progress"] for e in self.events if e["type"] == "job.progress" and e["job_id"] == str(job.id)]

    def statuses(self, job) -> list[str]:
        return [e["job"]["status"] for e in self.events if e["type"] == "job.status" and e["job"]["id"] == str(job.id)]

    def job_ids(self) -> set[str]:
        return {e.get("job_id") or e["job"]["id"] for e in self.events}


def run_with_sockets(users, body, until, timeout=120):
    """Run ``body()`` (sync) while each user's websocket collects, until ``until()``."""
    logs = [EventLog(user) for user in users]

    async def main():
        for log in logs:
            await log.connect()
        tasks = [asyncio.create_task(log.collect()) for log in logs]
        await asyncio.to_thread(body)
        await asyncio.to_thread(wait_for, until, timeout)
        await asyncio.sleep(0.5)  # the last events in flight
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for log in logs:
            await log.communicator.disconnect()

    run_async(main())
    return logs


def test_a_job_runs_to_completed_stems_with_live_progress(start_worker, user, make_track, stored):
    worker = start_worker()
    track = make_track(user, seconds=3.0)
    holder = {}

    def body():
        return holder.update(job=services.job_create(user=user, track=track, engine="local", model=FAST_MODEL))

    [log] = run_with_sockets([user], body, lambda: "job" in holder and job_status(holder["job"]) == "completed")
    job = holder["job"]
    assert log.progress(job) == STEPS
    assert log.statuses(job)[-1] == "completed" and log.statuses(job)[0] in ("queued", "running")
    stems = {stem.stem_type: stem for stem in Stem.objects.filter(job=job)}
    assert sorted(stems) == ["bass", "drums", "other", "vocals"]
    for name, stem in stems.items():
        assert stem.file_path == f"stems/{job.id}/{name}.wav"
        assert stored.size(stem.file_path) == stem.size_bytes
        assert stem.duration_seconds == pytest.approx(3.0, abs=0.01)
    assert job.result_meta["model"] and job.result_meta["device"] == "cpu"
    assert not any(p.name.startswith(".work-") for p in worker.scratch.iterdir())
    again = services.job_create(user=user, track=track, engine="local", model=FAST_MODEL)
    assert again.pk == job.pk, "the same request reuses the completed result"
    assert ProcessingJob.objects.count() == 1


def test_a_failing_job_says_why_in_words(start_worker, user, make_track):
    worker = start_worker()
    track = make_track(user)
    job = services.job_create(user=user, track=track, engine="local", model="htdemucs_ft", stems_mode="two")
    wait_for(lambda: job_status(job) == "failed", 60)
    assert job.error_message.startswith("The htdemucs_ft model is not installed on this server.")
    assert "DEMUCS_MODEL_DIR" not in job.error_message
    wait_for(lambda: "Model htdemucs_ft cannot load" in worker.log(), 10, message="the operator's detail in the log")
    assert "DEMUCS_MODEL_DIR=" in worker.log()
    assert not Stem.objects.filter(job=job).exists()


def test_cancel_a_running_job(start_worker, user, make_track):
    worker = start_worker()
    job = services.job_create(user=user, track=make_track(user, seconds=40.0), engine="local", model=SLOW_MODEL)
    wait_for(lambda: job_status(job) == "running" and job.progress >= 10, 120)
    assert services.job_cancel(job=job)
    wait_for(lambda: not list(worker.scratch.glob(f".work-{job.id}-*")), 10, message="work folder removed")
    job.refresh_from_db()
    assert job.status == "cancelled" and not Stem.objects.filter(job=job).exists()


def test_cancel_a_queued_job_before_a_worker_takes_it(start_worker, user, make_track):
    job = services.job_create(user=user, track=make_track(user), engine="local", model=FAST_MODEL)
    assert services.job_cancel(job=job)
    start_worker()
    other = services.job_create(user=user, track=make_track(user, seed=1), engine="local", model=FAST_MODEL)
    wait_for(lambda: job_status(other) == "completed", 60)
    job.refresh_from_db()
    assert job.status == "cancelled" and job.attempts == 0


def test_deleting_a_track_while_its_job_runs_stops_it_and_leaves_no_files(start_worker, user, make_track, stored):
    from audio.services import track_delete

    start_worker()
    track = make_track(user, seconds=40.0)
    job = services.job_create(user=user, track=track, engine="local", model=SLOW_MODEL)
    wait_for(lambda: job_status(job) == "running" and job.progress >= 10, 120)
    track_delete(track=track)
    wait_for(lambda: not stored.names("stems"), 15, message="stems folder emptied")
    assert not ProcessingJob.objects.exists()
    assert stored.names(track.folder) == []
