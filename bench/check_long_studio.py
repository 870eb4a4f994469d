"""Browser check of a three-hour job in the studio; prints what it saw and saves a screenshot.

    .venv/bin/python bench/check_long_studio.py [--hours 3] [--port 8300] [--screenshot PATH]

Starts the app as `make run` does (its own database, Redis, uploads) on ``--port``
(and the next port for its Redis), stores a track and a finished two-stem job with
stems of ``--hours`` the way the tests build finished jobs (16-bit WAV stems
synthesized block by block, waveforms drawn by the library), then in Chromium:
how long the studio takes to draw its waveforms and how many points each has;
how long a stem takes to play from the start and after a seek to near the end,
and which byte ranges the players asked for; how long the mix download takes to
start (the browser's download; then a script's with a token, reading 10 MiB
before hanging up, for a mix that cannot clip and one that might), each accepted
just after the one before was cancelled (one mix per user at a time). Not a test:
it needs about 8 GB of disk and minutes of CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.launched_app import LaunchedApp  # noqa: E402

RATE = 44100
PASSWORD = "Str0ng-enough-pass"


def synth(path: Path, seconds: int, freq: float, level: float) -> Path:
    """A tone whose loudness swells over five minutes, written a minute at a time (one minute computed)."""
    t = np.arange(60 * RATE) / RATE
    minutes = []
    for minute in range(5):
        swell = 0.55 + 0.45 * np.sin(2 * np.pi * (minute * 60 + t) / 300)
        tone = (level * swell * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        minutes.append(np.stack([tone, tone], axis=1))
    with soundfile.SoundFile(str(path), "w", RATE, 2, "PCM_16") as out:
        for minute in range(seconds // 60):
            out.write(minutes[minute % 5])
    return path


def store_job(app: LaunchedApp, work: Path, hours: float) -> tuple[str, str, str]:
    """A user, a track and a finished job in the app's database; (track id, job id, API token)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="soundforge.settings",
        DEBUG="1",  # as the launcher runs the app locally
        DATABASE_URL=app.database_url,
        UPLOADS_DIR=str(app.uploads_dir),
        REDIS_URL=f"redis://127.0.0.1:{app.redis_port}/0",
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from accounts.services import token_get_or_issue
    from audio import services as audio_services
    from jobs.models import ProcessingJob
    from jobs.stems import stems_draw, stems_record, stems_upload

    seconds = int(hours * 3600)
    user = get_user_model().objects.create_user("dj", password=PASSWORD)
    started = time.monotonic()
    vocals = synth(work / "vocals.wav", seconds, 440.0, 0.2)
    accompaniment = synth(work / "accompaniment.wav", seconds, 110.0, 0.5)
    original = synth(work / "Three Hour Set.wav", seconds, 220.0, 0.6)
    print(
        f"synthesized three {hours:g}-hour WAVs ({original.stat().st_size / 2**30:.1f} GiB each) "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    upload = TemporaryUploadedFile(original.name, "audio/wav", original.stat().st_size, None)
    digest = hashlib.sha256()
    with original.open("rb") as source:
        while chunk := source.read(1 << 20):
            upload.write(chunk)
            digest.update(chunk)
    upload.flush()
    upload.sha256 = digest.hexdigest()
    track, _ = audio_services.track_create(owner=user, upload=upload)
    job = ProcessingJob.objects.create(
        track=track, user=user, engine="local", model="spleeter_2stems", status="running", output_format="wav"
    )
    files = {"vocals": vocals, "accompaniment": accompaniment}
    started = time.monotonic()
    stems_draw(job=job, files=files, original=original)
    print(f"waveforms drawn by the library in {time.monotonic() - started:.0f} s", flush=True)
    stems_record(stems=stems_upload(job=job, files=files))
    ProcessingJob.objects.filter(pk=job.pk).update(
        status="completed",
        progress=100,
        result_meta={"engine": "local", "model": "spleeter_2stems", "input_seconds": seconds, "samplerate": RATE},
    )
    return str(track.id), str(job.id), token_get_or_issue(user=user).key


def browse(app: LaunchedApp, track_id: str, job_id: str, screenshot: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=app.url, accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        ranges: list[str] = []
        page.on(
            "request",
            lambda r: (
                ranges.append(f"{r.url.rsplit('/', 1)[-1]} {r.headers.get('range')}")
                if "/files/stems/" in r.url
                else None
            ),
        )
        page.goto("/login/")
        page.fill("#id_username", "dj")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

        started = time.monotonic()
        page.goto(f"/tracks/{track_id}/?job={job_id}")
        page.wait_for_function("document.querySelectorAll('.wave canvas[data-drawn]').length === 3", timeout=60000)
        drawn = time.monotonic() - started
        points = page.evaluate("""() => { const w = JSON.parse(document.getElementById('studio-data').textContent)
            .waveforms; return [w.original, ...Object.values(w.stems)].map(e => e.peaks.length / 2); }""")
        print(f"studio page: waveforms drawn {drawn:.1f} s after navigation, points per file {points}")

        started = time.monotonic()
        page.click("#play")
        page.wait_for_function("window.studio.time() > 0.5", timeout=60000)
        print(f"play from the start: half a second played {time.monotonic() - started:.1f} s after the click")
        near_end = (
            page.evaluate(
                "Math.max(...JSON.parse(document.getElementById('studio-data').textContent).job.stems"
                ".map(s => s.duration_seconds))"
            )
            - 120
        )
        ranges.clear()
        started = time.monotonic()
        page.evaluate(f"window.studio.seek({near_end})")
        page.wait_for_function(f"window.studio.time() > {near_end + 0.5}", timeout=60000)
        print(
            f"seek to {near_end / 3600:.2f} h: playing there {time.monotonic() - started:.1f} s later; "
            f"stem requests meanwhile: {sorted(set(ranges))}"
        )
        page.click("#play")  # pause

        started = time.monotonic()
        with page.expect_download(timeout=600000) as waiting:
            page.click("#mix-download")
        download = waiting.value
        print(f"browser mix download (WAV): the download started {time.monotonic() - started:.1f} s after the click")
        page.wait_for_timeout(3000)
        download.cancel()
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()


def script_download(app: LaunchedApp, job_id: str, token: str) -> None:
    attempts = {
        "vocals at 0.5 (cannot clip by the stems' peaks)": {"vocals": 0.5},
        "just after, both stems at 2 (might clip: the stems are read first)": {"vocals": 2, "accompaniment": 2},
    }
    for attempt, gains in attempts.items():
        connection = http.client.HTTPConnection("127.0.0.1", app.port, timeout=600)
        started = time.monotonic()
        connection.request(
            "POST",
            f"/api/jobs/{job_id}/mix/",
            body=json.dumps(gains),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        headers_after = time.monotonic() - started
        if response.status != 200:
            print(f"script mix download, {attempt}: {response.status} {response.read()[:200]!r}")
            connection.close()
            continue
        read = 0
        while read < 10 * 2**20 and (chunk := response.read(1 << 16)):
            read += len(chunk)
        print(
            f"script mix download, {attempt}: headers after {headers_after:.1f} s (Content-Length "
            f"{int(response.headers['Content-Length']) / 2**30:.2f} GiB, peak {response.headers['X-Mix-Peak-dBFS']} "
            f"dBFS, turned down {response.headers['X-Mix-Gain-Reduction-dB']} dB), 10 MiB after "
            f"{time.monotonic() - started:.1f} s; hanging up"
        )
        connection.close()
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=3)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--screenshot", type=Path, default=ROOT / "test-artifacts" / "long-studio.png")
    args = parser.parse_args()
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        app = LaunchedApp(Path(tmp), port=args.port, redis_port=args.port + 1)
        app.start()
        try:
            track_id, job_id, token = store_job(app, work, args.hours)
            browse(app, track_id, job_id, args.screenshot)
            script_download(app, job_id, token)
        finally:
            app.stop()
            errors = [line for line in app.log().splitlines() if " ERROR " in line or "Traceback" in line]
            print(f"app log: {len(errors)} errors", *errors[:8], sep="\n  ")
    print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
