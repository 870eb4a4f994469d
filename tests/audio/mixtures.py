"""Test mixtures with known stems, rendered on the spot, and the SDR to score them.

Vocals are espeak-ng speech; the accompaniment is a MIDI file written here
(chords, bass line, drums on channel 10) rendered by fluidsynth with the
General MIDI soundfont. Both are 44.1 kHz stereo 16-bit WAVs and the mix is
their exact sum, so ``mix == vocals + accompaniment`` holds for the arrays and
the files alike. Rendering is deterministic and takes well under a second for
10 s. Needs ``espeak-ng``, ``sox`` and ``fluidsynth`` on PATH.
"""

from __future__ import annotations

import math
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 44100
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
TICKS_PER_BEAT = 480
BEAT_SECONDS = 0.5  # 120 bpm
# Root notes of C - Am - F - G, one chord per 4/4 bar.
PROGRESSION = ((60, (0, 4, 7)), (57, (0, 3, 7)), (53, (0, 4, 7)), (55, (0, 4, 7)))
SPEECH = (
    "The quick brown fox jumps over the lazy dog. "
    "Every morning the band rehearses in a small room above the bakery. "
    "She sang the chorus twice, then the drummer counted the next verse in. "
    "Music carries a feeling further than words alone can travel. "
    "We recorded seven takes before the sun came up over the harbour. "
)


@dataclass(frozen=True)
class Mixture:
    """A rendered mixture: WAV paths and float32 (2, n) arrays at ``samplerate``."""

    mix_path: Path
    vocals_path: Path
    accompaniment_path: Path
    mix: np.ndarray
    vocals: np.ndarray
    accompaniment: np.ndarray
    samplerate: int = SAMPLE_RATE


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-distortion ratio in dB: 10 log10(|ref|^2 / |ref - est|^2)."""
    reference = np.asarray(reference, dtype=np.float64)
    error = reference - np.asarray(estimate, dtype=np.float64)
    tiny = 1e-12
    return float(10 * np.log10((np.sum(reference**2) + tiny) / (np.sum(error**2) + tiny)))


def _varlen(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    groups = [value & 0x7F]
    while value > 0x7F:
        value >>= 7
        groups.append((value & 0x7F) | 0x80)
    return bytes(reversed(groups))


def _notes(bars: int) -> list[tuple[int, bytes]]:
    """(tick, event) for every note on/off and program change of the accompaniment."""
    beat = TICKS_PER_BEAT
    events = [(0, bytes((0xC0, 0))), (0, bytes((0xC1, 33)))]  # piano, finger bass

    def note(channel: int, key: int, start: int, length: int, velocity: int) -> None:
        events.append((start, bytes((0x90 | channel, key, velocity))))
        events.append((start + length, bytes((0x80 | channel, key, 0))))

    for bar in range(bars):
        root, chord = PROGRESSION[bar % len(PROGRESSION)]
        bar_start = bar * 4 * beat
        for interval in chord:
            note(0, root + interval, bar_start, 4 * beat - 20, 70)
        for step in range(4):
            note(1, root - 24 + (7 if step == 2 else 0), bar_start + step * beat, beat - 40, 95)
            note(9, 36 if step % 2 == 0 else 38, bar_start + step * beat, beat // 2, 100)
        for eighth in range(8):
            note(9, 42, bar_start + eighth * beat // 2, beat // 4, 70)
    return sorted(events, key=lambda item: (item[0], item[1][0] & 0xF0 == 0x90))


def write_midi(path: Path, seconds: float) -> None:
    """A format-0 MIDI file of the chord/bass/drum loop, at least ``seconds`` long."""
    bars = math.ceil(seconds / (4 * BEAT_SECONDS)) + 1
    tempo = int(BEAT_SECONDS * 1_000_000).to_bytes(3, "big")
    track = bytearray(b"\x00\xff\x51\x03" + tempo)
    previous = 0
    for tick, event in _notes(bars):
        track += _varlen(tick - previous) + event
        previous = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_BEAT)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def _read_stereo(path: Path, length: int) -> np.ndarray:
    """float64 (2, length) from a WAV, zero-padded or cut to ``length``."""
    data, rate = soundfile.read(path, dtype="float64", always_2d=True)
    if rate != SAMPLE_RATE or data.shape[1] != 2:
        raise ValueError(f"{path}: expected 44.1 kHz stereo, got {rate} Hz x {data.shape[1]}")
    out = np.zeros((2, length))
    out[:, : min(length, len(data))] = data[:length].T
    return out


def _render_stems(work: Path, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw float (vocals, accompaniment), each (2, length)."""
    words = SPEECH.split()
    text = " ".join(words[i % len(words)] for i in range(int(length / SAMPLE_RATE * 3) + 10))
    _run(["espeak-ng", "-v", "en", "-s", "160", "-w", str(work / "speech.wav"), text])
    # -D: no dither, which would make every rendering differ.
    _run(
        [
            "sox",
            "-D",
            str(work / "speech.wav"),
            "-r",
            str(SAMPLE_RATE),
            "-c",
            "2",
            str(work / "speech44.wav"),
        ]
    )
    write_midi(work / "accompaniment.mid", length / SAMPLE_RATE)
    _run(
        [
            "fluidsynth",
            "-niq",
            "-R",
            "0",
            "-C",
            "0",
            "-g",
            "0.5",
            "-r",
            str(SAMPLE_RATE),
            "-F",
            str(work / "accompaniment_raw.wav"),
            str(SOUNDFONT),
            str(work / "accompaniment.mid"),
        ]
    )
    vocals = _read_stereo(work / "speech44.wav", length)
    return vocals, _read_stereo(work / "accompaniment_raw.wav", length)


def render_mixture(out_dir: Path, seconds: float = 10.0, *, vocals_db: float = -6.0) -> Mixture:
    """Render vocals, accompaniment and their sum into ``out_dir`` as 16-bit WAVs.

    ``vocals_db`` is the vocals' level relative to the accompaniment (RMS).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    length = round(seconds * SAMPLE_RATE)
    vocals, accompaniment = _render_stems(out_dir, length)
    vocals *= 10 ** (vocals_db / 20) * np.sqrt(np.mean(accompaniment**2) / np.mean(vocals**2))
    # Peaks add up to 0.9 at most, so the int16 sum of the stems cannot clip.
    scale = 0.9 * 32767 / (np.abs(vocals).max() + np.abs(accompaniment).max())
    stems = {"vocals": np.round(vocals * scale), "accompaniment": np.round(accompaniment * scale)}
    stems["mix"] = stems["vocals"] + stems["accompaniment"]
    paths = {}
    for name, data in stems.items():
        paths[name] = out_dir / f"{name}.wav"
        soundfile.write(paths[name], data.T.astype(np.int16), SAMPLE_RATE, subtype="PCM_16")
    arrays = {name: (data / 32768).astype(np.float32) for name, data in stems.items()}
    return Mixture(
        mix_path=paths["mix"],
        vocals_path=paths["vocals"],
        accompaniment_path=paths["accompaniment"],
        mix=arrays["mix"],
        vocals=arrays["vocals"],
        accompaniment=arrays["accompaniment"],
    )
