"""What refusing an over-long upload costs, whatever the file declares.

Builds FLAC and MP3 files ten times MAX_TRACK_SECONDS long (silence and a tone,
small on disk), some declaring no length or a false one, and times inspect_audio's
CPU on each against the baseline of accepting a file exactly at the limit.
Usage: .venv/bin/python bench/bench_decoding.py [--limit 1200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from audio.decoding import AudioRejected, inspect_audio
from tests.audio.test_decoding_limits import flac_silence


def tone_mp3(path: Path, seconds: float) -> Path:
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:r=44100"),
            *("-t", str(seconds), "-c:a", "libmp3lame", "-b:a", "32k", "-write_xing", "0", str(path)),
        ],
        check=True,
    )
    return path


def cpu_of(path: Path, limit: float) -> tuple[float, str]:
    started = time.process_time()
    try:
        inspect_audio(path, max_seconds=limit)
        outcome = "accepted"
    except AudioRejected as exc:
        outcome = f"refused: {exc.message[:50]}"
    return time.process_time() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=1200.0)
    limit = parser.parse_args().limit
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = {
            "FLAC at the limit (baseline)": flac_silence(folder / "base.flac", int(limit), declared_samples=None),
            "FLAC 10x, declares nothing": flac_silence(folder / "a.flac", int(10 * limit), declared_samples=None),
            "FLAC 10x, declares 10 s": flac_silence(folder / "b.flac", int(10 * limit), declared_samples=441000),
            "MP3 just under the limit (baseline)": tone_mp3(folder / "base.mp3", limit - 2),
            "MP3 10x, length guessed from size": tone_mp3(folder / "c.mp3", 10 * limit),
        }
        baseline = {}
        for name, path in cases.items():
            cpu, outcome = cpu_of(path, limit)
            kind = name.split()[0]
            baseline.setdefault(kind, cpu)
            print(
                f"{name:36} {path.stat().st_size / 1e6:7.1f} MB  CPU {cpu:6.2f} s "
                f"({cpu / baseline[kind]:4.2f}x the baseline)  {outcome}"
            )


if __name__ == "__main__":
    main()
