"""Test songs of a known tempo and key, rendered on the spot with fluidsynth.

A four-bar progression in the key (major: I-V-vi-IV; minor: i-iv-V-i, with the
raised leading tone a minor key is heard by) on piano, a bass line, an arpeggio
melody of the key's scale and a rock beat (kick, snare, hi-hat eighths) on the GM
drum channel, at ``bpm`` in 4/4. Deterministic; 16-bit stereo 44.1 kHz WAV.
Needs ``fluidsynth`` and the GM soundfont (scripts/test-tools.sh).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

from tests.audio.mixtures import SAMPLE_RATE, SOUNDFONT, TICKS_PER_BEAT, _run, _varlen

PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 11)  # harmonic minor
# (scale degree of the root, chord intervals) per bar.
PROGRESSIONS = {
    "major": ((0, (0, 4, 7)), (4, (0, 4, 7)), (5, (0, 3, 7)), (3, (0, 4, 7))),
    "minor": ((0, (0, 3, 7)), (3, (0, 3, 7)), (4, (0, 4, 7)), (0, (0, 3, 7))),
}


@dataclass(frozen=True)
class Song:
    bpm: float
    tonic: str  # one of PITCH_CLASSES
    mode: str  # "major" or "minor"

    @property
    def key(self) -> str:
        return f"{self.tonic} {self.mode}"


def _events(song: Song, bars: int) -> list[tuple[int, bytes]]:
    beat = TICKS_PER_BEAT
    tonic = 48 + PITCH_CLASSES.index(song.tonic)  # the octave below middle C
    scale = MAJOR_SCALE if song.mode == "major" else MINOR_SCALE
    events = [(0, bytes((0xC0, 0))), (0, bytes((0xC1, 33))), (0, bytes((0xC2, 11)))]  # piano, bass, vibraphone

    def note(channel: int, key: int, start: int, length: int, velocity: int) -> None:
        events.append((start, bytes((0x90 | channel, key, velocity))))
        events.append((start + length, bytes((0x80 | channel, key, 0))))

    for bar in range(bars):
        degree, chord = PROGRESSIONS[song.mode][bar % 4]
        root = tonic + scale[degree]
        start = bar * 4 * beat
        for step in range(4):
            for interval in chord:
                note(0, root + 12 + interval, start + step * beat, beat - 30, 60)
            note(1, root - 12 + (7 if step == 2 else 0), start + step * beat, beat - 40, 90)
            note(9, 36 if step % 2 == 0 else 38, start + step * beat, beat // 2, 105)
        for eighth in range(8):
            note(9, 42, start + eighth * beat // 2, beat // 4, 65)
            arpeggio = chord[eighth % 3] + (12 if eighth >= 4 else 0)
            note(2, root + 24 + arpeggio, start + eighth * beat // 2, beat // 2 - 20, 70)
    return sorted(events, key=lambda item: (item[0], item[1][0] & 0xF0 == 0x90))


def write_song_midi(path: Path, song: Song, seconds: float) -> None:
    """A format-0 MIDI file of ``song``, at least ``seconds`` long."""
    bars = math.ceil(seconds * song.bpm / 240) + 1
    tempo = round(60_000_000 / song.bpm).to_bytes(3, "big")
    track = bytearray(b"\x00\xff\x51\x03" + tempo)
    previous = 0
    for tick, event in _events(song, bars):
        track += _varlen(tick - previous) + event
        previous = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_BEAT)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def render_song(out_dir: Path, song: Song, seconds: float = 30.0) -> Path:
    """Render ``song`` to ``out_dir/<tonic>-<mode>-<bpm>.wav`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{song.tonic.replace('#', 's')}-{song.mode}-{song.bpm:g}"
    midi, wav = out_dir / f"{stem}.mid", out_dir / f"{stem}.wav"
    write_song_midi(midi, song, seconds)
    _run(
        [
            *("fluidsynth", "-niq", "-R", "0", "-C", "0", "-g", "0.6", "-r", str(SAMPLE_RATE)),
            *("-F", str(wav), str(SOUNDFONT), str(midi)),
        ]
    )
    return wav
