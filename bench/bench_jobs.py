"""Benchmark the job pipeline around the engine, against the app as `make run` starts it.

Prints:
- job overhead: request -> `completed` event on the websocket, minus the engine's own
  separation time (result_meta.runtime_seconds), for a 30 s input (goal < 1 s);
- progress latency: from the worker receiving the runner's progress line (the event's
  `sent_at`) to the websocket client, p50/p95 (goal p95 < 250 ms);
- ZIP export of ~1 GB of stems: throughput and the web server's RSS growth (goal < 50 MB).

Usage: .venv/bin/python bench/bench_jobs.py [--zip-mb 1024] [--jobs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests
import soundfile
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.launched_app import LaunchedApp
from tests.soundforge.body_probe import rss_bytes


def music(path: Path, seconds: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 44100)) / 44100
    tone = sum(np.sin(2 * np.pi * f * t) for f in rng.uniform(110, 660, 3)) * 0.2
    soundfile.write(str(path), np.stack([tone, tone * 0.8], 1).astype(np.float32), 44100, subtype="PCM_16")
    return path


def login(app: LaunchedApp) -> requests.Session:
    session = requests.Session()
    session.get(f"{app.url}/signup/")
    token = session.cookies["csrftoken"]
    session.post(
        f"{app.url}/signup/",
        data={
            "username": "bench",
            "password1": "Bench-pass-123",
            "password2": "Bench-pass-123",
            "csrfmiddlewaretoken": token,
        },
    )
    session.headers.update(
        {"X-CSRFToken": session.cookies["csrftoken"], "Accept": "application/json", "Referer": app.url}
    )
    return session


def upload(app, session, path: Path) -> str:
    with path.open("rb") as handle:
        return session.post(f"{app.url}/tracks/upload", files={"file": handle}).json()["tracks"][0]["id"]


def run_job(app, session, track_id: str) -> dict:
    """One spleeter job; returns timings seen by a websocket client."""
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    ws_url = app.url.replace("http", "ws") + "/ws/jobs/"
    latencies, done = [], {}
    with connect(ws_url, additional_headers={"Cookie": cookie, "Origin": app.url}) as socket:
        started = time.time()
        job = session.post(
            f"{app.url}/api/jobs/",
            json={
                "track": track_id,
                "engine": "local",
                "model": "spleeter_2stems",
                "stems_mode": "all",
                "output_format": "wav",
            },
        ).json()
        while not done:
            event = json.loads(socket.recv(timeout=300))
            if event["type"] == "job.progress" and event["job_id"] == job["id"]:
                latencies.append(time.time() - event["sent_at"])
            elif (
                event["type"] == "job.status"
                and event["job"]["id"] == job["id"]
                and event["job"]["status"] in ("completed", "failed")
            ):
                done = event["job"]
    assert done["status"] == "completed", done
    total = time.time() - started
    engine = done["result"]["runtime_seconds"]
    return {"total": total, "engine": engine, "overhead": total - engine, "latencies": latencies}


def rss_of_web(app) -> int:
    return rss_bytes(app.web_pid())


class PeakRss:
    """Samples the web server's RSS every 20 ms while the block runs."""

    def __init__(self, app: LaunchedApp):
        self.app = app
        self.stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self.baseline = self.peak = rss_of_web(self.app)
        self.thread = threading.Thread(target=self._sample)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, rss_of_web(self.app))

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def zip_export(app, session, track_id: str, megabytes: int) -> None:
    """Give the track a completed job with ~megabytes of stems, then download its ZIP."""
    import django
    from django.utils import timezone

    os.environ["DATABASE_URL"] = app.database_url
    os.environ["UPLOADS_DIR"] = str(app.uploads_dir)
    os.environ.setdefault("DEBUG", "1")  # the settings of a local run, as the launcher gives the app
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundforge.settings")
    django.setup()
    from audio.models import Track
    from jobs.models import ProcessingJob, Stem

    track = Track.objects.get(pk=track_id)
    job = ProcessingJob.objects.create(
        track=track,
        user=track.owner,
        engine="local",
        model="bench-zip",
        status="completed",
        progress=100,
        finished_at=timezone.now(),
    )
    folder = app.uploads_dir / "stems" / str(job.id)
    folder.mkdir(parents=True)
    block = np.random.default_rng(0).integers(0, 255, 8 << 20, dtype=np.uint8).tobytes()
    for name in ("vocals", "drums", "bass", "other"):
        with (folder / f"{name}.wav").open("wb") as out:
            for _ in range(megabytes // 4 // 8):
                out.write(block)
        Stem.objects.create(
            job=job,
            stem_type=name,
            format="wav",
            duration_seconds=0,
            size_bytes=(folder / f"{name}.wav").stat().st_size,
            file_path=f"stems/{job.id}/{name}.wav",
        )
    received = 0
    with PeakRss(app) as rss:
        started = time.time()
        with session.get(f"{app.url}/export/stems/{track_id}", stream=True) as response:
            for chunk in response.iter_content(1 << 20):
                received += len(chunk)
        elapsed = time.time() - started
    print(
        f"zip export: {received / 1e6:.0f} MB in {elapsed:.1f} s = {received / 1e6 / elapsed:.0f} MB/s; "
        f"web server RSS {rss.baseline / 1e6:.0f} MB -> peak {rss.peak / 1e6:.0f} MB "
        f"(growth {rss.growth / 1e6:.1f} MB; goal < 50 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip-mb", type=int, default=1024)
    parser.add_argument("--jobs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = LaunchedApp(Path(tmp))
        app.start()
        try:
            session = login(app)
            results = []
            for seed in range(args.jobs):
                track_id = upload(app, session, music(Path(tmp) / f"in{seed}.wav", 30.0, seed))
                results.append(run_job(app, session, track_id))
                r = results[-1]
                print(
                    f"job {seed + 1} ({'cold runner' if seed == 0 else 'warm runner'}): total {r['total']:.2f} s, "
                    f"engine {r['engine']:.2f} s, overhead {r['overhead']:.2f} s"
                )
            warm = [r["overhead"] for r in results[1:]] or [results[0]["overhead"]]
            print(f"job overhead (warm runner, 30 s input): median {statistics.median(warm):.2f} s (goal < 1 s)")
            lat = sorted(x * 1000 for r in results for x in r["latencies"])
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            print(
                f"progress latency: {len(lat)} events, p50 {statistics.median(lat):.1f} ms, "
                f"p95 {p95:.1f} ms, max {lat[-1]:.1f} ms (goal p95 < 250 ms)"
            )
            zip_export(app, session, track_id, args.zip_mb)
        except Exception:
            print(app.log()[-3000:], file=sys.stderr)
            raise
        finally:
            app.stop()


if __name__ == "__main__":
    main()
