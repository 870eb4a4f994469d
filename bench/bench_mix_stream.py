"""Benchmark of the streamed mix download; prints figures, asserts nothing.

    .venv/bin/python bench/bench_mix_stream.py [--minutes 10 60] [--format wav flac mp3]
        [--stem-format flac] [--inputs DIR] [--baseline DIR]

For four synthesized stems of each length (16-bit 44.1 kHz stereo, written block by
block into ``--inputs``, kept for reuse), mixes them with gains as the studio does
(one muted, so three are read) in a fresh process per case and prints: the time
to the first byte (for "read first", a first pass reads the stems for the peak;
for "peaks bounded", the stems' peaks show the mix cannot clip, as the studio
learns from their waveforms, and nothing is read before the first byte), the total
time and its real-time factor (audio seconds per second), the process's peak RSS,
and the most temporary disk its open files held at once (sampled every 50 ms from
/proc/self/fd, which sees the anonymous temporary files too). Streaming makes none,
and its memory should not grow with the length.

``--baseline DIR``: a checkout of the code before streaming (e.g. ``git archive
<commit> | tar -x -C DIR``), whose ``mix_render`` writes the whole mix to temporary
files before the first byte, is measured the same way on the shortest length.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
RATE = 44100
STEMS = {"bass": 0.5, "drums": 1.0, "other": 0.8, "vocals": 0.0}  # the gains: vocals muted (an instrumental)
STEM_PEAK = 0.4  # the synthesized stems never exceed it: a 0.3 tone and noise clipped to 0.1


def synth_stem(path: Path, seconds: float, freq: float) -> Path:
    """A tone with a little noise over it, written block by block (memory stays small)."""
    if path.exists():
        return path
    rng = np.random.default_rng(int(freq))
    block = RATE * 30
    with soundfile.SoundFile(str(path), "w", RATE, 2, "PCM_16") as out:
        for start in range(0, int(seconds * RATE), block):
            t = (start + np.arange(min(block, int(seconds * RATE) - start))) / RATE
            tone = 0.3 * np.sin(2 * np.pi * freq * t) + np.clip(0.02 * rng.standard_normal(t.size), -0.1, 0.1)
            out.write(np.stack([tone, tone * 0.9], axis=1))
    return path


class TempDiskSampler(threading.Thread):
    """The largest total size of this process's open files under the temporary folder (but the stems)."""

    def __init__(self, stems: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.folder = os.path.realpath(tempfile.gettempdir())
        self.stems = {os.path.realpath(path) for path in stems.values()}
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            total = 0
            for fd in os.listdir("/proc/self/fd"):
                try:
                    target = os.readlink(f"/proc/self/fd/{fd}")
                    if target.startswith(self.folder) and target not in self.stems:
                        total += os.fstat(int(fd)).st_size
                except OSError:
                    continue
            self.peak = max(self.peak, total)


def streamed_case(stems: dict[str, str], fmt: str, bounded: bool) -> dict:
    """In a fresh process: the streaming path, every byte taken and dropped; ``bounded``: with
    the stems' peak bounds (as the studio passes them from the waveforms), so nothing is read first."""
    sys.path.insert(0, str(ROOT))
    from audio.encoders import STREAMS
    from audio.mixdown import mix_pcm, mix_plan

    def chunks():
        bounds = dict.fromkeys(STEMS, STEM_PEAK) if bounded else None
        plan = mix_plan(stems={name: Path(path) for name, path in stems.items()}, gains=STEMS, peak_bounds=bounds)
        return STREAMS[fmt](mix_pcm(plan), rate=plan.samplerate, frames=plan.frames)

    return measured(stems, chunks)


def baseline_case(checkout: str, stems: dict[str, str]) -> dict:
    """In a fresh process: the code before streaming renders the whole WAV, then sends it."""
    sys.path.insert(0, checkout)
    from audio.mixdown import mix_render

    return measured(
        stems, lambda: mix_render(stems={name: Path(path) for name, path in stems.items()}, gains=STEMS).chunks()
    )


def measured(stems: dict[str, str], chunks) -> dict:
    """Time to the first byte of ``chunks()`` (whatever it does before), to the last, peak RSS and temp disk."""
    sampler = TempDiskSampler(stems)
    sampler.start()
    started = time.perf_counter()
    body = iter(chunks())
    size = len(next(body))
    first_byte = time.perf_counter() - started
    for chunk in body:
        size += len(chunk)
    sampler.done.set()
    return {
        "first_byte": first_byte,
        "total": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "temp_mb": sampler.peak / 2**20,
        "size_mb": size / 2**20,
    }


def show(label: str, minutes: float, figures: dict) -> None:
    print(
        f"  {label:28s} first byte after {figures['first_byte']:6.1f} s, all {figures['size_mb']:6.0f} MiB in "
        f"{figures['total']:6.1f} s ({minutes * 60 / figures['total']:5.0f}x real time), peak RSS "
        f"{figures['rss_mb']:4.0f} MiB, temporary disk {figures['temp_mb']:6.0f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--format", nargs="+", default=["wav", "flac", "mp3"], choices=["wav", "flac", "mp3"])
    parser.add_argument("--stem-format", default="flac", choices=["wav", "flac"])
    parser.add_argument("--inputs", type=Path, default=Path(tempfile.gettempdir()) / "soundforge-bench-mix-v2")
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    args.inputs.mkdir(parents=True, exist_ok=True)
    spawn = multiprocessing.get_context("spawn")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for minutes in args.minutes:
        stems = {
            name: str(synth_stem(args.inputs / f"{name}-{minutes:g}min.{args.stem_format}", minutes * 60, freq))
            for name, freq in zip(STEMS, (55.0, 110.0, 330.0, 660.0))
        }
        print(f"\n{minutes:g} minutes, four {args.stem_format.upper()} stems, one muted", flush=True)
        if args.baseline and minutes == min(args.minutes):
            with spawn.Pool(1) as pool:
                show("before streaming (WAV)", minutes, pool.apply(baseline_case, (str(args.baseline), stems)))
        for fmt in args.format:
            with spawn.Pool(1) as pool:
                show(f"streamed {fmt.upper()}, read first", minutes, pool.apply(streamed_case, (stems, fmt, False)))
        with spawn.Pool(1) as pool:
            show("streamed WAV, peaks bounded", minutes, pool.apply(streamed_case, (stems, "wav", True)))


if __name__ == "__main__":
    main()
