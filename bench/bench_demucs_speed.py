"""Demucs on CPU: the runner's path against the reference apply_model, one run.

    .venv/bin/python bench/bench_demucs_speed.py [--seconds 30 180] [--model htdemucs]

RANDOMLY INITIALISED weights of the real architecture (no real weights exist
here): speed and memory are the real model's, the output is noise-like, and the
SNR column compares the two paths' outputs with each other. For each input length
it runs, each in a fresh process so peak RSS (VmHWM) is that path's own, timed
after a warm-up on the first 8 s (as in the warm runner):
``reference``, demucs.apply.apply_model (shifts=0, overlap 0.25, split, the
runner's settings) on the normalised mix, the model as Demucs loads it, in the
default environment and again with the runner's allocator settings
(allocator.ENVIRONMENT); ``ours``, the runner's DemucsSeparator.separate with
those settings. It prints separation seconds, real-time factor, peak RSS, the
ours/reference time and RSS ratios and the per-stem SNR of ours against the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from audio.engines.local import allocator  # noqa: E402
from bench.bench_local_engine import apply_model_reference, peak_rss_mb, reference_model, synth_music  # noqa: E402
from tests.audio.engines.local.random_repo import build_repo  # noqa: E402

WARM_UP_SAMPLES = 8 * 44100
# Row -> (path, environment on top of this one's). Demucs as it ships runs with glibc's
# default allocator; the runner's environment sets allocator.ENVIRONMENT, which
# helps apply_model too, so the reference also runs once with it.
RUNS = {
    "reference": ("reference", {}),
    "reference, our allocator": ("reference", allocator.ENVIRONMENT),
    "ours": ("ours", allocator.ENVIRONMENT),
}
# Model -> (random-weight architecture, bag members), as the published models are built.
MODELS = {"htdemucs": ("htdemucs", 1), "htdemucs_6s": ("htdemucs_6s", 1), "mdx_extra": ("hdemucs", 4)}


def run_path(path_name: str, model: str, repo: Path, audio: Path, out: Path) -> dict:
    """In this (child) process: load, warm up on one chunk's worth, separate, save, report."""
    import soundfile

    from audio.engines.local.demucs_models import load_demucs

    samples, _ = soundfile.read(str(audio), dtype="float32", always_2d=True)
    mix = torch.from_numpy(np.ascontiguousarray(samples.T))
    if path_name == "reference":
        bag = reference_model(model, repo)
        sources = list(bag.sources)

        def separate(part: torch.Tensor) -> torch.Tensor:
            return apply_model_reference(bag, part)
    else:
        separator = load_demucs(model, repo, "cpu")
        sources = list(separator.sources)

        def separate(part: torch.Tensor) -> torch.Tensor:
            separated = separator.separate(part, lambda fraction: None)
            return torch.stack([separated[source] for source in sources])

    separate(mix[:, :WARM_UP_SAMPLES])  # the warm runner's state: kernels chosen, memory pooled
    started = time.monotonic()
    stems = separate(mix)
    seconds = time.monotonic() - started
    np.save(out, stems.numpy())
    return {"seconds": seconds, "rss_mb": peak_rss_mb(os.getpid()), "sources": sources}


def child(path_name: str, environment: dict, model: str, repo: Path, audio: Path, out: Path) -> dict:
    argv = [
        sys.executable,
        __file__,
        "--child",
        path_name,
        "--model",
        model,
        "--repo",
        str(repo),
        "--audio",
        str(audio),
        "--out",
        str(out),
    ]
    done = subprocess.run(argv, check=True, capture_output=True, text=True, env={**os.environ, **environment})
    return json.loads(done.stdout.strip().splitlines()[-1])


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    noise = max(float(np.square(reference - estimate, dtype=np.float64).sum()), 1e-30)
    return 10 * np.log10(float(np.square(reference, dtype=np.float64).sum()) / noise)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[30, 180])
    parser.add_argument("--model", default="htdemucs", choices=sorted(MODELS))
    parser.add_argument("--child", choices=["reference", "ours"])
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--audio", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_path(args.child, args.model, args.repo, args.audio, args.out)))
        return
    with tempfile.TemporaryDirectory(prefix="bench_demucs_") as tmp:
        work = Path(tmp)
        architecture, members = MODELS[args.model]
        repo = build_repo(work / "repo", {args.model: architecture}, members)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, random-weight {args.model}")
        for seconds in args.seconds:
            audio = synth_music(work / f"in_{seconds:.0f}.wav", seconds)
            runs = {}
            for name, (path_name, environment) in RUNS.items():
                run = runs[name] = child(path_name, environment, args.model, repo, audio, work / f"{path_name}.npy")
                print(
                    f"{seconds:5.0f} s {name:24s} {run['seconds']:7.2f} s  RTF {run['seconds'] / seconds:.3f}  "
                    f"peak RSS {run['rss_mb']:6.0f} MB",
                    flush=True,
                )
            reference, ours = (np.load(work / f"{path_name}.npy") for path_name in ("reference", "ours"))
            snrs = ", ".join(
                f"{source} {snr_db(reference[k], ours[k]):.1f}" for k, source in enumerate(runs["ours"]["sources"])
            )
            for name in ("reference", "reference, our allocator"):
                print(
                    f"{'':7s} ours/{name}: time {runs['ours']['seconds'] / runs[name]['seconds']:.3f}, "
                    f"RSS {runs['ours']['rss_mb'] / runs[name]['rss_mb']:.3f}",
                    flush=True,
                )
            print(f"{'':7s} SNR dB of ours against the reference: {snrs}", flush=True)


if __name__ == "__main__":
    main()
