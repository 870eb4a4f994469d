"""Live separation: what each latency setting costs in SDR and compute, and how many real-time
streams one server holds.

1. Every latency setting, in this process on one thread: a rendered mix streamed in
   1024-frame messages; SDR of each stem against the true stems, minus the SDR of the
   offline spleeter_2stems result on the same mix (the baseline, run here); compute time
   per hop (1024 frames) and the real-time factor. Then the CPU time per hop when one model
   process separates several streams in shared passes, against a pass per stream.
2. The app as `make run` starts it: 1, 2, 4, 5, 6 ... concurrent streams at real-time pace
   through ws/live/ for --stream-seconds each (the default setting), until one has dry
   (fallback) frames. For each count: fallback frames, the p50/p95 end-to-end delay on
   loopback (an input frame sent -> its output frame received), the model's compute per hop,
   and the frames the model skipped because they had gone out dry.

    python bench/bench_live.py                          # 20 s mix; streams of 60 s
    python bench/bench_live.py --seconds 8 --stream-seconds 10 --max-streams 2   # a quick look
    python bench/bench_live.py --skip-curve --max-streams 4 --model-processes 1  # streams only

Needs espeak-ng, sox and fluidsynth (the test mixtures), as `make test` installs them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.engines.local.spleeter.separator import HOP, SpleeterSeparator
from live.client import stream
from live.separator import SETTINGS, STEMS, StreamSeparator, separate_together, setting_for
from tests.audio.mixtures import render_mixture, sdr
from tests.launched_app import LaunchedApp
from tests.live.conftest import sign_up, socket_url

MESSAGE_FRAMES = 1024


def separate_streamed(model, setting, mix: np.ndarray) -> tuple[dict[str, np.ndarray], float]:
    separator = StreamSeparator(model, setting)
    pieces = {stem: [] for stem in STEMS}
    began = time.perf_counter()
    for offset in range(0, mix.shape[1], MESSAGE_FRAMES):
        out = separator.feed(mix[:, offset : offset + MESSAGE_FRAMES])
        for stem in STEMS:
            pieces[stem].append(out.stems[stem])
    out = separator.finish()
    seconds = time.perf_counter() - began
    return {stem: np.concatenate([*pieces[stem], out.stems[stem]], axis=1) for stem in STEMS}, seconds


def settings_curve(mixture) -> None:
    torch.set_num_threads(1)
    model = SpleeterSeparator.load()
    references = {"vocals": mixture.vocals, "accompaniment": mixture.accompaniment}
    began = time.perf_counter()
    offline = model.separate(torch.from_numpy(mixture.mix))
    offline_seconds = time.perf_counter() - began
    duration = mixture.mix.shape[1] / 44100
    baseline = {stem: sdr(references[stem], offline[stem].numpy()) for stem in STEMS}
    hops = mixture.mix.shape[1] / HOP
    print(
        f"mix: {duration:.0f} s; offline spleeter_2stems: vocals {baseline['vocals']:.2f} dB, "
        f"accompaniment {baseline['accompaniment']:.2f} dB, {1000 * offline_seconds / hops:.2f} ms/hop, "
        f"real-time factor {offline_seconds / duration:.3f} (1 thread)"
    )
    print(
        f"{'latency':>9} {'window/lookahead/step':>22} {'vocals dSDR':>12} {'accomp. dSDR':>13} "
        f"{'ms/hop':>7} {'RTF':>6}"
    )
    for setting in SETTINGS:
        stems, seconds = separate_streamed(model, setting, mixture.mix)
        deltas = {stem: sdr(references[stem], stems[stem]) - baseline[stem] for stem in STEMS}
        mark = {setting_for(None): "  (default)", setting_for(250): "  (low latency)"}.get(setting, "")
        shape = f"{setting.window}/{setting.lookahead}/{setting.step}"
        print(
            f"{setting.latency_ms:7.0f}ms {shape:>22} {deltas['vocals']:+11.2f}  {deltas['accompaniment']:+12.2f} "
            f"{1000 * seconds / hops:7.2f} {seconds / duration:6.3f}{mark}"
        )
    shared_passes(model, mixture.mix)


def shared_passes(model, mix: np.ndarray) -> None:
    """CPU time per hop and stream when one model process separates 1, 2, 4 streams in shared
    passes (their windows side by side), against one pass per stream: the default setting, input
    in 1024-frame messages arriving together. CPU time, so a busy machine changes it little."""
    setting = setting_for(None)
    hops = mix.shape[1] / HOP
    print(f"\nCPU ms per hop and stream, {setting.latency_ms:.0f} ms setting, one model process, 1 thread")
    print(f"{'streams':>8} {'a pass each':>12} {'shared passes':>14}")
    for count in (1, 2, 4):
        figures = []
        for shared in (False, True):
            separators = [StreamSeparator(model, setting) for _ in range(count)]
            began = time.process_time()
            for offset in range(0, mix.shape[1], MESSAGE_FRAMES):
                for separator in separators:
                    separator.add(mix[:, offset : offset + MESSAGE_FRAMES])
                groups = [separators] if shared else [[separator] for separator in separators]
                for group in groups:
                    separate_together(group)
                for separator in separators:
                    separator.take()
            figures.append(1000 * (time.process_time() - began) / hops / count)
        print(f"{count:8d} {figures[0]:12.2f} {figures[1]:14.2f}")


def run_streams(app: LaunchedApp, tokens: list[str], mix: np.ndarray) -> list:
    results: list = [None] * len(tokens)

    def one(index: int) -> None:
        results[index] = stream(socket_url(app), [mix], token=tokens[index], realtime=True)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    return results


def concurrency(mix: np.ndarray, max_streams: int, processes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        caps = {"LIVE_MAX_STREAMS": "64", "LIVE_MAX_STREAMS_PER_USER": "64", "LIVE_MODEL_PROCESSES": str(processes)}
        app = LaunchedApp(Path(tmp), extra_env=caps)
        app.start()
        try:
            token = sign_up(app, "bench").token
            run_streams(app, [token], mix[:, : 44100 * 3])  # the model process starts and loads
            print(
                f"\n{mix.shape[1] / 44100:.0f} s streams at real-time pace, default setting, "
                f"LIVE_MODEL_PROCESSES={processes}"
            )
            print(
                f"{'streams':>8} {'fallback frames':>16} {'skipped':>8} {'p50 delay':>10} {'p95 delay':>10} "
                f"{'ms/hop':>7}"
            )
            held = 0
            count = 1
            while count <= max_streams:
                results = run_streams(app, [token] * count, mix)
                fallback = sum(r.stats[-1]["fallback_frames"] for r in results)
                skipped = sum(r.stats[-1]["skipped_frames"] for r in results)
                delays = np.concatenate([r.delays for r in results])
                per_hop = np.mean([r.stats[-1]["compute_ms_per_hop"] for r in results])
                p50, p95 = np.percentile(delays, [50, 95])
                print(f"{count:8d} {fallback:16d} {skipped:8d} {1000 * p50:8.0f}ms {1000 * p95:8.0f}ms {per_hop:7.2f}")
                if fallback:
                    break
                held = count
                count = count * 2 if count < 4 else count + 1
            print(f"largest number of concurrent real-time streams with no fallback frames: {held}")
        finally:
            app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the mix for the settings curve")
    parser.add_argument("--stream-seconds", type=float, default=60.0, help="length of each concurrent stream")
    parser.add_argument("--max-streams", type=int, default=16)
    parser.add_argument("--model-processes", type=int, default=2, help="LIVE_MODEL_PROCESSES of the app")
    parser.add_argument("--skip-curve", action="store_true", help="only the concurrent streams")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_curve:
            settings_curve(render_mixture(Path(tmp) / "curve", seconds=args.seconds))
        long_mix = render_mixture(Path(tmp) / "streams", seconds=args.stream_seconds).mix
    concurrency(long_mix, args.max_streams, args.model_processes)


if __name__ == "__main__":
    main()
