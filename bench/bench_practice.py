"""Speed and memory of the practice mix render (audio.practice: Rubber Band, then encoding).

For a 1-minute and a 10-minute stereo 44.1 kHz mix (music-like: chords with a beat),
renders each case in a fresh process and prints its wall time as a multiple of real
time (audio seconds per second) and the process's peak RSS. Baseline in the same
run: the same mix re-encoded without changing speed or pitch (FLAC), so the cost of
Rubber Band stands apart; memory should not grow with the length.
Usage: .venv/bin/python bench/bench_practice.py [--minutes 1 10]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
RATE = 44100
CASES = {
    "re-encode to FLAC (baseline)": {"format": "flac"},
    "speed 0.75, WAV": {"speed": 0.75},
    "speed 0.75, -2 semitones, WAV": {"speed": 0.75, "semitones": -2},
    "speed 1.25, +3 semitones, MP3": {"speed": 1.25, "semitones": 3, "format": "mp3"},
}


def write_mix(path: Path, minutes: float) -> None:
    """A 16-bit WAV of chords over a four-on-the-floor pulse, written in blocks."""
    block = RATE * 10
    with soundfile.SoundFile(str(path), "w", samplerate=RATE, channels=2, subtype="PCM_16") as out:
        for start in range(0, int(minutes * 60 * RATE), block):
            t = (start + np.arange(block)) / RATE
            chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.15
            pulse = np.exp(-((t % 0.5) * 30)) * np.sin(2 * np.pi * 60 * t) * 0.4
            out.write(np.stack([chord + pulse, chord * 0.8 + pulse], axis=1))


def render_case(path: str, fields: dict) -> tuple[float, int, float]:
    """In a fresh process: (wall seconds, frames out, peak RSS in MiB)."""
    from audio.mixdown import RenderedMix
    from audio.practice import practice_apply, practice_parse

    info = soundfile.info(path)
    mix = RenderedMix(file=open(path, "rb"), samplerate=RATE, frames=info.frames, peak=1.0, gain_reduction_db=0.0)  # noqa: SIM115
    started = time.perf_counter()
    result = practice_apply(mix, practice_parse(fields))
    elapsed = time.perf_counter() - started
    result.file.close()
    return elapsed, result.frames, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            path = Path(tmp) / f"mix-{minutes:g}.wav"
            write_mix(path, minutes)
            print(f"\n{minutes:g}-minute mix ({path.stat().st_size / 2**20:.0f} MiB WAV)")
            for name, fields in CASES.items():
                with spawn.Pool(1) as pool:
                    elapsed, frames, rss = pool.apply(render_case, (str(path), fields))
                print(
                    f"  {name:32s} {minutes * 60 / elapsed:6.1f}x real time ({elapsed:6.1f} s), "
                    f"{frames / RATE:6.0f} s out, peak RSS {rss:5.0f} MiB"
                )


if __name__ == "__main__":
    main()
