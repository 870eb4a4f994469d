"""Benchmark of the local engine; prints figures, asserts nothing.

    .venv/bin/python bench/bench_local_engine.py [--quick]

Demucs runs with RANDOMLY INITIALISED weights of the real htdemucs architecture
(no real weights exist here): speed and memory are those of the real model,
output quality is meaningless. Spleeter uses its real weights. For a 30 s and a
180 s synthetic input it compares, per model: bare separation in this process
(demucs.apply.apply_model / SpleeterSeparator.separate) with the runner's
end-to-end time for the same input (cold first request and warm second one),
the warm request with ``python -m demucs`` on the same file, the real-time
factor and the runner's peak RSS (VmHWM); then the peak RSS for a 10-minute
input. ``--quick`` runs the 30 s case only, ``--long-only`` the 10-minute one.
"""

from __future__ import annotations

import argparse
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
import torch  # noqa: E402

from audio.engines.base import SeparationRequest  # noqa: E402
from audio.engines.local.engine import LocalEngine, threads_per_job  # noqa: E402
from tests.audio.engines.local.random_repo import build_repo  # noqa: E402

RATE = 44100


def synth_music(path: Path, seconds: float) -> Path:
    """Chords, a bass line, a kick pulse and a vibrato 'voice', 16-bit stereo."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * RATE)) / RATE
    beat = (t * 2.0) % 1.0
    kick = np.exp(-beat * 30) * np.sin(2 * np.pi * 55 * t)
    bass = 0.3 * np.sin(2 * np.pi * (55 * (1 + (np.floor(t / 2) % 4) / 4)) * t)
    chords = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    voice = 0.2 * np.sin(2 * np.pi * 440 * t + 3 * np.sin(2 * np.pi * 5 * t)) * (np.sin(t) > 0)
    left = kick + bass + chords + voice + 0.01 * rng.standard_normal(t.size)
    stereo = np.stack([left, 0.9 * left + 0.1 * chords], axis=1)
    soundfile.write(str(path), (0.7 * stereo / np.abs(stereo).max()).astype(np.float32), RATE, subtype="PCM_16")
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def reference_model(model: str, repo: Path) -> torch.nn.Module:
    """``model`` as Demucs itself loads it from ``repo``: no runner preparation."""
    from demucs.pretrained import get_model

    return get_model(model, repo=repo).eval()


def apply_model_reference(bag: torch.nn.Module, mix: torch.Tensor) -> torch.Tensor:
    """Demucs' own demucs.apply.apply_model on the normalised mix, at the runner's
    settings (shifts 0, overlap 0.25): (sources, channels, n)."""
    from demucs.apply import apply_model

    from audio.engines.local.demucs_models import OVERLAP

    ref = mix.mean(0)
    mean, std = ref.mean(), ref.std()
    with torch.no_grad():
        return apply_model(bag, ((mix - mean) / std)[None], shifts=0, split=True, overlap=OVERLAP)[0] * std + mean


def bare_seconds(model: str, repo: Path, path: Path) -> float:
    """Separation time in this process, model already loaded: apply_model for
    Demucs, SpleeterSeparator.separate for Spleeter."""
    from audio.engines.local.models import load_model

    samples, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    mix = torch.from_numpy(np.ascontiguousarray(samples.T))
    if model == "spleeter_2stems":
        separator = load_model(model, model_dir=repo, device="cpu")
        started = time.monotonic()
        separator.separate(mix, lambda fraction: None)
    else:
        bag = reference_model(model, repo)
        started = time.monotonic()
        apply_model_reference(bag, mix)
    return time.monotonic() - started


def runner_run(engine: LocalEngine, model: str, path: Path, out: Path) -> tuple[float, dict]:
    started = time.monotonic()
    result = engine.separate(
        SeparationRequest(input_path=path, work_dir=out, model=model),
        progress=lambda percent: None,
        cancel=threading.Event(),
    )
    return time.monotonic() - started, result.meta


def cli_seconds(repo: Path, path: Path, out: Path) -> float:
    argv = [
        sys.executable,
        "-m",
        "demucs",
        "-n",
        "htdemucs",
        "--repo",
        str(repo),
        "--shifts",
        "0",
        "--overlap",
        "0.25",
        "-o",
        str(out),
        str(path),
    ]
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    elapsed = time.monotonic() - started
    if not list(out.rglob("vocals.wav")):
        raise RuntimeError("python -m demucs wrote no vocals.wav")
    return elapsed


def bench_case(model: str, repo: Path, path: Path, seconds: float, work: Path) -> None:
    bare = bare_seconds(model, repo, path)
    engine = LocalEngine(concurrency=1, timeout=3600, model_dir=repo)
    try:
        cold, _ = runner_run(engine, model, path, work / f"{model}-cold")
        warm, meta = runner_run(engine, model, path, work / f"{model}-warm")
        print(
            f"{model:16s} {seconds:5.0f} s input: bare {bare:7.2f} s | runner cold {cold:7.2f} s, "
            f"warm {warm:7.2f} s (warm/bare {warm / bare:.3f}) | RTF {meta['real_time_factor']:.3f}",
            flush=True,
        )
        if model == "htdemucs":
            # CLI then a second warm run, so load changes on a shared machine show up.
            cli = cli_seconds(repo, path, work / f"cli-{seconds:.0f}")
            again, _ = runner_run(engine, model, path, work / f"{model}-again")
            print(
                f"{'':16s} python -m demucs {cli:7.2f} s | warm runner again {again:7.2f} s "
                f"(runner/cli {again / cli:.3f})",
                flush=True,
            )
        print(f"{'':16s} runner peak RSS {peak_rss_mb(engine.supervisor.pid):6.0f} MB", flush=True)
    finally:
        engine.close()


def bench_memory(model: str, repo: Path, path: Path, work: Path) -> None:
    engine = LocalEngine(concurrency=1, timeout=7200, model_dir=repo)
    try:
        elapsed, meta = runner_run(engine, model, path, work / f"{model}-long")
        rss = peak_rss_mb(engine.supervisor.pid)
    finally:
        engine.close()
    print(
        f"{model:16s} 600 s input: runner {elapsed:7.1f} s, RTF {meta['real_time_factor']:.3f}, peak RSS {rss:6.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 s case only")
    parser.add_argument("--long-only", action="store_true", help="10-minute memory case only")
    args = parser.parse_args()
    torch.set_num_threads(threads_per_job(1))
    with tempfile.TemporaryDirectory(prefix="bench_local_") as tmp:
        work = Path(tmp)
        repo = build_repo(work / "repo", {"htdemucs": "htdemucs"})
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, random-weight htdemucs")
        for seconds in () if args.long_only else (30, 180)[: 1 if args.quick else 2]:
            path = synth_music(work / f"in_{seconds}.wav", seconds)
            for model in ("htdemucs", "spleeter_2stems"):
                bench_case(model, repo, path, seconds, work / f"case{seconds}")
        if not args.quick:
            path = synth_music(work / "in_600.wav", 600)
            for model in ("spleeter_2stems", "htdemucs"):
                bench_memory(model, repo, path, work / "long")


if __name__ == "__main__":
    main()
