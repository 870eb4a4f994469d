"""Benchmark workers that share nothing but the bucket: the same batch of Spleeter jobs
through one worker, then through two (concurrency 1 each), against the app as `make run`
starts it with STORAGE=s3 on a moto S3 server (a real HTTP endpoint on loopback).

Prints the batch's total time with one worker and with two, and their ratio; and the
bucket traffic per job as the S3 endpoint saw it: bytes down (a worker fetching the
original) and up (the stems and waveforms it stored).

Usage: .venv/bin/python bench/bench_s3_workers.py [--jobs 4] [--seconds 10] [--port 8101]
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import requests
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_jobs import login, music, upload
from tests.launched_app import BASE_DIR, LaunchedApp

BUCKET = "bench"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_S3_REGION_NAME": "us-east-1"}


class Traffic:
    """Body bytes through the S3 endpoint, by method and the key's top folder."""

    def __init__(self, app):
        self.app, self.bytes, self.lock = app, collections.Counter(), threading.Lock()

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        folder = path.split("/")[2] if path.count("/") >= 2 else ""
        sent = int(environ.get("CONTENT_LENGTH") or 0)
        body = self.app(environ, start_response)
        received = 0
        for chunk in body:
            received += len(chunk)
            yield chunk
        with self.lock:
            self.bytes[(method, folder, "in")] += sent
            self.bytes[(method, folder, "out")] += received

    def take(self) -> collections.Counter:
        with self.lock:
            taken, self.bytes = self.bytes, collections.Counter()
        return taken


def start_s3(port: int) -> tuple[Traffic, object]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    traffic = Traffic(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, traffic, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return traffic, server


def storage_env(endpoint: str) -> dict[str, str]:
    return {
        "STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "MAX_ACTIVE_JOBS_PER_USER": "50",
        **CREDENTIALS,
    }


def extra_worker(app: LaunchedApp, env: dict[str, str], tmp: Path) -> subprocess.Popen:
    """A second worker on the separation queue, with a scratch folder of its own."""
    child_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    child_env.update(
        env,
        DEBUG="1",
        DATABASE_URL=app.database_url,
        REDIS_URL=f"redis://127.0.0.1:{app.redis_port}/0",
        UPLOADS_DIR=str(tmp / "worker-2" / "uploads"),
        SCRATCH_DIR=str(tmp / "worker-2" / "scratch"),
    )
    log = (tmp / "worker-2.log").open("w")
    argv = [sys.executable, "-m", "celery", "-A", "soundforge", "worker", "-Q", "separation", "--concurrency", "1"]
    process = subprocess.Popen(
        [*argv, "-n", "bench-2@%h", "--loglevel", "INFO"], cwd=BASE_DIR, env=child_env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 120
    while " ready." not in (tmp / "worker-2.log").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((tmp / "worker-2.log").read_text(errors="replace"))
        time.sleep(0.3)
    return process


def wait_analysed(app: LaunchedApp, session: requests.Session, tracks: list[str]) -> None:
    """Until the analysis worker has measured every track: it reads the originals from the bucket
    and takes CPU, which the batches must not share."""
    deadline = time.monotonic() + 600
    while any(session.get(f"{app.url}/api/tracks/{track}/").json()["analysed_at"] is None for track in tracks):
        if time.monotonic() > deadline:
            raise RuntimeError("the tracks were not analysed in 10 minutes")
        time.sleep(0.5)


def run_batch(app: LaunchedApp, session: requests.Session, tracks: list[str]) -> float:
    """Start one Spleeter job per track at once; seconds until the last one completed."""
    started = time.monotonic()
    jobs = [
        session.post(
            f"{app.url}/api/jobs/", json={"track": track, "engine": "local", "model": "spleeter_2stems"}
        ).json()["id"]
        for track in tracks
    ]
    waiting = set(jobs)
    while waiting:
        for job in list(waiting):
            status = session.get(f"{app.url}/api/jobs/{job}/").json()["status"]
            if status in ("failed", "cancelled"):
                raise RuntimeError(f"job {job} {status}")
            if status == "completed":
                waiting.discard(job)
        time.sleep(0.25)
    return time.monotonic() - started


def per_job(traffic: collections.Counter, jobs: int) -> tuple[float, float]:
    down = traffic[("GET", "tracks", "out")]
    up = traffic[("PUT", "stems", "in")] + traffic[("POST", "stems", "in")]
    return down / jobs, up / jobs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=4, help="jobs per batch")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each input")
    parser.add_argument("--port", type=int, default=8101, help="web; the next two: its Redis, the S3 endpoint")
    args = parser.parse_args()
    endpoint = f"http://127.0.0.1:{args.port + 2}"
    traffic, server = start_s3(args.port + 2)
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    env = storage_env(endpoint)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        app = LaunchedApp(tmp, extra_env={**env, "CELERY_CONCURRENCY": "1"}, port=args.port, redis_port=args.port + 1)
        app.start()
        second = None
        try:
            session = login(app)
            inputs = [music(tmp / f"in-{i}.wav", args.seconds, i) for i in range(2 * args.jobs + 1)]
            warm_up, *tracks = [upload(app, session, path) for path in inputs]
            wait_analysed(app, session, [warm_up, *tracks])
            uploaded = traffic.take()
            run_batch(app, session, [warm_up])  # the first worker's runner and model loaded before timing
            traffic.take()
            one = run_batch(app, session, tracks[: args.jobs])
            one_traffic = traffic.take()
            second = extra_worker(app, env, tmp)
            two = run_batch(app, session, tracks[args.jobs :])
            two_traffic = traffic.take()
        finally:
            if second is not None:
                second.terminate()
                second.wait(30)
            app.stop()
            server.shutdown()
    print(f"{args.jobs} Spleeter jobs of {args.seconds:.0f} s inputs, concurrency 1 per worker")
    print(f"  one worker:  {one:6.1f} s")
    print(f"  two workers: {two:6.1f} s  (the second worker loads its runner and model within this batch)")
    print(f"  ratio one/two: {one / two:.2f}  (2.00 would be perfect scaling)")
    print(
        f"web uploads into the bucket: {uploaded[('PUT', 'tracks', 'in')] / (len(tracks) + 1) / 1e6:.2f} MB per track, "
        f"then {uploaded[('GET', 'tracks', 'out')] / (len(tracks) + 1) / 1e6:.2f} MB down per track for its analysis"
    )
    for name, counted in (("one worker", one_traffic), ("two workers", two_traffic)):
        down, up = per_job(counted, args.jobs)
        print(f"bucket traffic per job ({name}): {down / 1e6:.2f} MB down (original), {up / 1e6:.2f} MB up (stems)")


if __name__ == "__main__":
    main()
