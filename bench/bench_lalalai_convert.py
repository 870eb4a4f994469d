"""Memory of converting a stem lalal.ai sent in another format than asked for.

audio.engines.lalalai.formats.ensure_format streams the file through FFmpeg frame by
frame, so its peak memory should not grow with the stem's length. Each conversion runs
in a fresh process; the figure is that process's peak RSS above what it held before
converting. The short stem is the baseline; the long one is ``--factor`` times longer.
Usage: .venv/bin/python bench/bench_lalalai_convert.py [--minutes 1] [--factor 10]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def wav_tone(path: Path, seconds: float) -> Path:
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"),
            *("-i", "sine=f=220:r=44100", "-ac", "2", "-t", str(seconds), "-c:a", "pcm_s16le", "-f", "wav", str(path)),
        ],
        check=True,
    )
    return path


def convert_in_child(path: Path, output_format: str) -> tuple[float, float]:
    """(peak RSS growth in MiB, seconds) of one conversion in a process of its own."""
    code = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from audio.engines.lalalai.formats import ensure_format\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "started = time.monotonic()\n"
        "assert ensure_format(Path(sys.argv[1]), sys.argv[2], stem='vocals')\n"
        "took = time.monotonic() - started\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, took)\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    answer = subprocess.run(
        [sys.executable, "-c", code, str(path), output_format], capture_output=True, text=True, check=True, cwd=root
    )
    grown, took = answer.stdout.split()
    return float(grown), float(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="length of the short stem")
    parser.add_argument("--factor", type=float, default=10.0, help="how many times longer the long one is")
    args = parser.parse_args()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    with tempfile.TemporaryDirectory() as folder:
        for output_format in ("flac", "mp3"):
            figures = []
            for minutes in (args.minutes, args.minutes * args.factor):
                stem = wav_tone(Path(folder) / f"vocals-{minutes:g}.{output_format}", minutes * 60)
                size = stem.stat().st_size / 2**20
                grown, took = convert_in_child(stem, output_format)
                figures.append(grown)
                print(
                    f"{output_format}: {minutes:g} min WAV ({size:.0f} MiB) -> peak RSS +{grown:.1f} MiB, {took:.1f} s",
                    flush=True,
                )
                stem.unlink()
            ratio = figures[1] / figures[0] if figures[0] > 0 else float("nan")
            print(f"{output_format}: {args.factor:g}x the audio -> {ratio:.2f}x the peak memory growth")


if __name__ == "__main__":
    main()
