"""Benchmark of long tracks through the streaming runner; prints figures, asserts nothing.

    .venv/bin/python bench/bench_long_tracks.py [--quick] [--inputs DIR] [--baseline DIR]

Peak RSS (the runner's VmHWM, a fresh runner per case) and real-time factor of one
job with two torch threads: Spleeter (real weights) on 10, 60 and 180 minutes,
htdemucs (RANDOMLY INITIALISED weights of the real architecture: speed and memory
are the real model's, the output is meaningless) on 10 and 60 minutes; the ratio
of htdemucs' 60-minute peak to its 10-minute one. Then two 60-minute jobs at once
with one thread each (the default concurrency on 2 cores): Spleeter to the end,
htdemucs until 10 % (memory is flat from the first chunks on, the 10/60 ratio shows
it) with the machine's available memory meanwhile. ``--stop-after S`` stops every
long job after S seconds (a busy shared machine): its peak RSS is then that of the
stretch it separated, and its RTF is estimated from the last 10 % step reached.

``--baseline DIR``: a checkout of the code before streaming (e.g. ``git archive
<commit> | tar -x -C DIR``) whose runner separates the whole track in memory; an
input of ``--compare-seconds`` (default 600) runs to the end through both, first,
in the same run, for the ratios. Inputs are 16-bit
44.1 kHz stereo WAV, synthesized block by block into ``--inputs`` (kept for reuse).
``--quick``: 1 and 2 minutes instead of 10/60/180, for checking the script.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

from audio.engines.base import EngineCancelled, SeparationRequest  # noqa: E402
from audio.engines.local.engine import LocalEngine  # noqa: E402
from tests.audio.engines.local.random_repo import build_repo  # noqa: E402

RATE = 44100
BLOCK_SECONDS = 30

# Runs one job on the baseline checkout's own engine (its runner imports its own code).
BASELINE_SCRIPT = """
import json, sys, threading, time
from pathlib import Path
from audio.engines.base import SeparationRequest
from audio.engines.local.engine import LocalEngine
model, path, out, repo, seconds = sys.argv[1:6]
engine = LocalEngine(concurrency=1, timeout=7200, model_dir=repo)
started = time.monotonic()
result = engine.separate(SeparationRequest(input_path=Path(path), work_dir=Path(out), model=model,
    input_seconds=float(seconds)), progress=lambda p: None, cancel=threading.Event())
status = Path(f"/proc/{engine.supervisor.pid}/status").read_text()
hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
engine.close()
print(json.dumps({"wall": time.monotonic() - started, "rtf": result.meta["real_time_factor"], "rss_mb": hwm / 1024}))
"""


def synth_wav(path: Path, seconds: float) -> Path:
    """Chords, a bass line, a kick and a vibrato voice: four different 30 s blocks, written
    in turn (the models' cost does not depend on what they hear; this keeps writing a
    three-hour file cheap on a busy machine)."""
    if path.is_file():
        return path
    rng = np.random.default_rng(0)
    blocks = []
    for index in range(4):
        t = index * BLOCK_SECONDS + np.arange(BLOCK_SECONDS * RATE) / RATE
        kick = np.exp(-((t * 2.0) % 1.0) * 30) * np.sin(2 * np.pi * 55 * t)
        bass = 0.3 * np.sin(2 * np.pi * (55 * (1 + (np.floor(t / 2) % 4) / 4)) * t)
        chords = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
        voice = 0.2 * np.sin(2 * np.pi * 440 * t + 3 * np.sin(2 * np.pi * 5 * t)) * (np.sin(t) > 0)
        left = 0.45 * (kick + bass + chords + voice) + 0.005 * rng.standard_normal(t.size)
        blocks.append(np.stack([left, 0.9 * left + 0.04 * chords], axis=1).astype(np.float32))
    partial = path.with_suffix(".partial.wav")
    with soundfile.SoundFile(str(partial), "w", RATE, 2, "PCM_16", format="WAV") as out:
        for index, start in enumerate(range(0, int(seconds), BLOCK_SECONDS)):
            out.write(blocks[index % 4][: int(min(BLOCK_SECONDS, seconds - start) * RATE)])
    partial.rename(path)
    return path


def peak_rss_mb(pid: int | None) -> float:
    """The process's peak resident memory (VmHWM); NaN once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (OSError, TypeError):
        return float("nan")
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:"))


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable")


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def streamed(
    model: str, path: Path, seconds: float, repo: Path, work: Path, *, stop_after: float | None = None
) -> dict:
    """One job on a fresh runner: wall time, RTF, peak RSS. ``stop_after``: cancel it after
    that many seconds of wall time; the RTF is then estimated from the last 10 % step reached."""
    engine = LocalEngine(concurrency=1, timeout=7200, model_dir=repo)
    cancel = threading.Event()
    steps: list[tuple[int, float]] = [(0, 0.0)]
    peak = [float("nan")]

    def stop_now() -> None:  # the peak first: a cancelled runner may be killed
        peak[0] = peak_rss_mb(engine.supervisor.pid)
        cancel.set()

    started = time.monotonic()
    timer = threading.Timer(stop_after, stop_now) if stop_after is not None else None
    if timer is not None:
        timer.start()
    try:
        result = engine.separate(
            SeparationRequest(input_path=path, work_dir=work, model=model, input_seconds=seconds),
            progress=lambda percent: steps.append((percent, time.monotonic() - started)),
            cancel=cancel,
        )
        figures = {"wall": time.monotonic() - started, "rtf": result.meta["real_time_factor"], "reached": 100}
        figures["rss_mb"] = peak_rss_mb(engine.supervisor.pid)
    except EngineCancelled:
        percent, at = steps[-1]
        estimate = at / (percent / 100) / seconds if percent else float("nan")
        figures = {"wall": time.monotonic() - started, "rtf": estimate, "reached": percent, "rss_mb": peak[0]}
    finally:
        if timer is not None:
            timer.cancel()
        engine.close()
    return figures


def baseline(checkout: Path, model: str, path: Path, seconds: float, repo: Path, work: Path) -> dict:
    argv = [sys.executable, "-c", BASELINE_SCRIPT, model, str(path), str(work), str(repo), str(seconds)]
    done = subprocess.run(argv, cwd=checkout, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(label: str, figures: dict, seconds: float) -> None:
    reached = figures.get("reached", 100)
    how = "" if reached == 100 else f" (stopped at {reached} %: RTF estimated from it)"
    print(
        f"{label:40s} {seconds / 60:5.0f} min: wall {figures['wall']:7.1f} s, RTF {figures['rtf']:.3f}, "
        f"peak RSS {figures['rss_mb']:6.0f} MB{how}   (load {load_average()})",
        flush=True,
    )


def two_at_once(
    model: str, path: Path, seconds: float, repo: Path, work: Path, stop_at: int | None, stop_after: float | None = None
) -> None:
    """Two jobs of ``path`` at once, one thread each; ``stop_at``: cancel both once both reach
    that percent; ``stop_after``: cancel both after that many seconds."""
    engines = [LocalEngine(concurrency=2, timeout=7200, model_dir=repo) for _ in range(2)]
    lowest_available = [available_mb()]
    outcomes: list[str] = [""] * 2
    cancel = threading.Event()
    reached = [0, 0]

    def progress(index: int, percent: int) -> None:
        reached[index] = percent
        if stop_at is not None and min(reached) >= stop_at:
            cancel.set()

    def job(index: int) -> None:
        request = SeparationRequest(
            input_path=path, work_dir=work / f"two-{model}-{index}", model=model, input_seconds=seconds
        )
        try:
            result = engines[index].separate(request, progress=lambda p: progress(index, p), cancel=cancel)
            outcomes[index] = f"done, RTF {result.meta['real_time_factor']:.3f}"
        except EngineCancelled:
            outcomes[index] = f"stopped at {reached[index]} %"

    started = time.monotonic()
    timer = threading.Timer(stop_after, cancel.set) if stop_after is not None else None
    if timer is not None:
        timer.start()
    threads = [threading.Thread(target=job, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    peaks = [0.0, 0.0]
    while any(thread.is_alive() for thread in threads):
        time.sleep(1.0)
        lowest_available[0] = min(lowest_available[0], available_mb())
        for index, engine in enumerate(engines):
            rss = peak_rss_mb(engine.supervisor.pid)
            if rss == rss:  # not NaN: the runner is there
                peaks[index] = max(peaks[index], rss)
    if timer is not None:
        timer.cancel()
    for engine in engines:
        engine.close()
    print(
        f"two {model} jobs at once, {seconds / 60:.0f} min each: {', '.join(outcomes)} after "
        f"{time.monotonic() - started:.0f} s; peak RSS {peaks[0]:.0f} + {peaks[1]:.0f} MB; "
        f"machine's available memory at its lowest {lowest_available[0]:.0f} MB   (load {load_average()})",
        flush=True,
    )


def compare(model: str, checkout: Path, path: Path, seconds: float, repo: Path, work: Path) -> None:
    """The same input through the streaming runner and the whole-track one, to the end."""
    ours = streamed(model, path, seconds, repo, work / f"{model}-compare")
    show(f"{model} streamed", ours, seconds)
    whole = baseline(checkout, model, path, seconds, repo, work / f"{model}-whole")
    show(f"{model} whole track (before streaming)", whole, seconds)
    print(
        f"{'':4s}streamed / whole track: peak RSS {ours['rss_mb'] / whole['rss_mb']:.2f}x, "
        f"RTF {ours['rtf'] / whole['rtf']:.2f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 minutes instead of 10, 60 and 180")
    parser.add_argument("--inputs", type=Path, default=Path(tempfile.gettempdir()) / "soundforge-bench-inputs")
    parser.add_argument("--baseline", type=Path, help="checkout whose runner separates whole tracks")
    parser.add_argument("--compare-seconds", type=int, default=600, help="input length of the comparison")
    parser.add_argument("--stop-after", type=float, help="stop each long job after this many seconds (busy machine)")
    args = parser.parse_args()
    short, hour, long = (60, 120, 120) if args.quick else (600, 3600, 10800)
    args.inputs.mkdir(parents=True, exist_ok=True)
    lengths = {short, hour, long, args.compare_seconds}
    inputs = {seconds: synth_wav(args.inputs / f"set_{seconds}.wav", seconds) for seconds in lengths}
    stop = args.stop_after
    with tempfile.TemporaryDirectory(prefix="bench_long_") as tmp:
        work = Path(tmp)
        repo = build_repo(work / "repo", {"htdemucs": "htdemucs"})
        print(f"memory available at start {available_mb():.0f} MB, load {load_average()}", flush=True)
        if args.baseline:
            for model in ("spleeter_2stems", "htdemucs"):
                compare(model, args.baseline, inputs[args.compare_seconds], args.compare_seconds, repo, work)
        peaks: dict[tuple[str, int], float] = {}
        for model, lengths_of in (("spleeter_2stems", (short, hour, long)), ("htdemucs", (short, hour))):
            for seconds in lengths_of:
                figures = streamed(model, inputs[seconds], seconds, repo, work / f"{model}{seconds}", stop_after=stop)
                show(f"{model} streamed", figures, seconds)
                peaks[model, seconds] = figures["rss_mb"]
        print(
            f"htdemucs peak RSS {hour // 60} min / {short // 60} min: "
            f"{peaks['htdemucs', hour] / peaks['htdemucs', short]:.3f}x; spleeter {long // 60} min / "
            f"{short // 60} min: {peaks['spleeter_2stems', long] / peaks['spleeter_2stems', short]:.3f}x",
            flush=True,
        )
        two_at_once("spleeter_2stems", inputs[hour], hour, repo, work, None, stop)
        two_at_once("htdemucs", inputs[hour], hour, repo, work, 10, stop)


if __name__ == "__main__":
    main()
