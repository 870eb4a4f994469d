"""Accuracy and cost of the tempo and key analysis (audio.analysis, Essentia) on songs of known tempo and key.

Renders songs with fluidsynth (tests/audio/songs.py: a chord progression, bass,
arpeggio and drums in 4/4) at tempos from 60 to 180 BPM, cycling through all 24
keys, and prints for each what was found and how long it took. A tempo counts as
right within 2 % of the truth (half or double is wrong: counted apart as an octave
error); a key only when tonic and mode are both exact. The baseline in the same run
is Essentia's own tempo before our octave folding. Signals without a beat or key
(a bare sine, noise) check the gating: they should get no answer.
Usage: .venv/bin/python bench/bench_analysis.py [--songs 24] [--seconds 60]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from audio.analysis import RATE, TEMPO_RANGE, analyse
from tests.audio.songs import PITCH_CLASSES, Song, render_song

TEMPOS = (60, 70, 80, 90, 100, 110, 120, 128, 135, 140, 150, 160, 174, 180)


def tempo_verdict(found: float | None, truth: float) -> str:
    if found is None:
        return "none"
    if abs(found - truth) <= 0.02 * truth:
        return "right"
    if any(abs(found - truth * factor) <= 0.02 * truth * factor for factor in (0.5, 2, 1 / 3, 3)):
        return "octave"
    return "wrong"


def songs(count: int) -> list[Song]:
    keys = [(tonic, mode) for mode in ("major", "minor") for tonic in PITCH_CLASSES]
    tempos = itertools.cycle(TEMPOS)
    return [Song(next(tempos), *keys[(i * 7) % 24]) for i in range(count)]  # a fifth apart: all keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    import essentia

    essentia.log.infoActive = essentia.log.warningActive = False
    tally = {"right": 0, "octave": 0, "wrong": 0, "none": 0}
    raw_right = key_right = 0
    took: list[float] = []
    print(f"Tempo folded into {TEMPO_RANGE[0]:g}-{TEMPO_RANGE[1]:g} BPM; songs of {args.seconds:g} s")
    print(f"{'truth':>18} {'found':>18} {'essentia raw':>13} {'conf':>5} {'strength':>8} {'tempo':>7} key    s")
    with tempfile.TemporaryDirectory() as tmp:
        for song in songs(args.songs):
            path = render_song(Path(tmp), song, seconds=args.seconds)
            duration = soundfile.info(str(path)).duration
            started = time.perf_counter()
            found = analyse(path, duration=duration)
            took.append(time.perf_counter() - started)
            verdict = tempo_verdict(found.bpm, song.bpm)
            tally[verdict] += 1
            raw_right += tempo_verdict(found.measured_bpm, song.bpm) == "right"
            key_ok = found.key == song.key
            key_right += key_ok
            print(
                f"{song.bpm:>5g} {song.key:>12} {found.bpm or 0:>5.1f} {found.key or '-':>12} "
                f"{found.measured_bpm:>13.1f} {found.tempo_confidence:>5.2f} {found.key_strength:>8.2f} "
                f"{verdict:>7} {'ok' if key_ok else 'WRONG':5} {took[-1]:.2f}"
            )
        n = len(took)
        print(
            f"\nTempo within 2 %: {tally['right']}/{n} ({100 * tally['right'] / n:.0f} %); "
            f"Essentia raw: {raw_right}/{n}"
        )
        print(f"  half/double: {tally['octave']}, other wrong: {tally['wrong']}, left empty: {tally['none']}")
        print(f"Key and mode exact: {key_right}/{n} ({100 * key_right / n:.0f} %)")
        print(f"Seconds per song: mean {np.mean(took):.2f}, max {np.max(took):.2f} (a {args.seconds:g} s song)")
        t = np.arange(int(30 * RATE)) / RATE
        for name, signal in {
            "sine 440 Hz": 0.4 * np.sin(2 * np.pi * 440 * t),
            "white noise": 0.1 * np.random.default_rng(0).standard_normal(len(t)),
        }.items():
            path = Path(tmp) / "signal.wav"
            soundfile.write(str(path), np.stack([signal, signal], axis=1), RATE)
            found = analyse(path, duration=30)
            print(
                f"No beat, no key ({name}): tempo {found.bpm}, key {found.key} "
                f"(confidence {found.tempo_confidence:.2f}, strength {found.key_strength:.2f})"
            )


if __name__ == "__main__":
    main()
