"""A real Celery worker on the test Redis and the test database, and what it needs.

The Demucs repository holds RANDOMLY INITIALISED weights of real architectures
(tests.audio.engines.local.random_repo): these tests check the job machinery, not
separation quality. `htdemucs` is mapped to demucs' tiny unittest network so jobs
are quick; `mdx_extra` gets the real HTDemucs architecture for jobs that must
run long enough to be killed or cancelled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from audio.engines import registry
from audio.storage import file_put
from jobs.models import JobStatus, ProcessingJob, Stem
from tests.audio.engines.local.random_repo import build_repo
from tests.audio.files import write_wav
from tests.launched_app import BASE_DIR
from tests.stored import storage_env

FAST_MODEL, SLOW_MODEL = "htdemucs", "mdx_extra"
ALL_QUEUES = "separation,cloud,tasks"  # what the worker of `make run` serves


@pytest.fixture(scope="session")
def jobs_demucs_repo(tmp_path_factory) -> Path:
    return build_repo(tmp_path_factory.mktemp("jobs-demucs-repo"), {FAST_MODEL: "unittest", SLOW_MODEL: "htdemucs"})


@pytest.fixture
def local_engine_here(settings, jobs_demucs_repo, monkeypatch):
    """This process's local engine, on the random-weight repository."""
    settings.DEMUCS_MODEL_DIR = str(jobs_demucs_repo)
    monkeypatch.setattr(registry, "_instances", {})
    yield
    registry.get_engine("local").close()


def database_url() -> str:
    """The test database, as a URL the worker process can use."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, env: dict[str, str], log: Path, queues: str = ALL_QUEUES):
        self.log_path = log
        self.scratch = Path(env["SCRATCH_DIR"])
        self._log = log.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "soundforge",
                "worker",
                "--concurrency",
                env["CELERY_CONCURRENCY"],
                "--loglevel",
                "INFO",
                "-n",
                f"test-{time.monotonic_ns()}@%h",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queues,
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> Worker:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and everything it started, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()


@pytest.fixture
def start_worker(transactional_db, redis_url, uploads_dir, settings, jobs_demucs_repo, tmp_path):
    """Start real Celery workers (concurrency 2) sharing the test DB, Redis and storage, each
    with a scratch folder of its own (and, with a bucket, no uploads folder of the web's)."""
    redis.Redis.from_url(redis_url).flushdb()
    workers: list[Worker] = []

    def start(*, queues: str = ALL_QUEUES, **extra: str) -> Worker:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        own = tmp_path / f"worker-{len(workers)}"
        env.update(
            DATABASE_URL=database_url(),
            REDIS_URL=redis_url,
            UPLOADS_DIR=str(own / "uploads"),
            SCRATCH_DIR=str(own / "scratch"),
        )
        env.update(storage_env(settings.STORAGES, uploads_dir))  # the folder storage: UPLOADS_DIR is the web's
        env.update(
            {
                "DEMUCS_MODEL_DIR": str(jobs_demucs_repo),
                "CELERY_CONCURRENCY": "2",
                "JOB_STALE_SECONDS": "4",
                "PYTHONUNBUFFERED": "1",
                **extra,
            }
        )
        workers.append(Worker(env, tmp_path / f"worker-{len(workers)}.log", queues).wait_ready())
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, timeout: float = 90, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")


def job_status(job: ProcessingJob) -> str:
    job.refresh_from_db()
    return job.status


@pytest.fixture
def make_job(uploads_dir, tmp_path):
    """A job row in any state; a completed one gets real stem files."""

    def make(track, *, engine="local", model="htdemucs", status=JobStatus.QUEUED, stems=(), **fields):
        job = ProcessingJob.objects.create(
            track=track,
            user=track.owner,
            engine=engine,
            model=model,
            status=status,
            celery_task_id=uuid.uuid4().hex,
            **fields,
        )
        for name in stems:
            path = write_wav(tmp_path / f"{job.id}-{name}.wav", frames=4410)
            Stem.objects.create(
                job=job,
                stem_type=name,
                format="wav",
                duration_seconds=track.duration_seconds,
                size_bytes=file_put(name=f"stems/{job.id}/{name}.wav", source=path),
                file_path=f"stems/{job.id}/{name}.wav",
            )
        return job

    return make
