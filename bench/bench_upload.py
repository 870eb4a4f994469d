"""Upload memory: the web server's RSS while it takes a large file, against a small one.

Uploads stream to disk, so the growth should not depend on the file's size.
Usage: .venv/bin/python bench/bench_upload.py [--mb 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import wave
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_jobs import PeakRss, login
from tests.launched_app import LaunchedApp


def silent_wav(path: Path, megabytes: int) -> Path:
    frames = megabytes * 1024 * 1024 // 4
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        block = b"\x01\x00" * 2 * 44100
        for _ in range(frames // 44100):
            out.writeframes(block)
    return path


def measured_upload(app: LaunchedApp, session: requests.Session, path: Path) -> tuple[float, int]:
    with PeakRss(app) as rss:
        started = time.time()
        with path.open("rb") as handle:
            response = session.post(f"{app.url}/tracks/upload", files={"file": handle})
        elapsed = time.time() - started
    assert response.status_code == 200, response.text
    return elapsed, rss.growth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = LaunchedApp(Path(tmp), extra_env={"MAX_TRACK_SECONDS": "100000", "MAX_UPLOAD_MB": "2000"})
        app.start()
        try:
            session = login(app)
            for megabytes in (20, args.mb):
                path = silent_wav(Path(tmp) / f"{megabytes}.wav", megabytes)
                elapsed, growth = measured_upload(app, session, path)
                print(
                    f"upload {megabytes} MB: {elapsed:.1f} s ({megabytes / elapsed:.0f} MB/s incl. full decode "
                    f"check); web server RSS growth {growth / 1e6:.1f} MB"
                )
        finally:
            app.stop()


if __name__ == "__main__":
    main()
