"""Musical keys as the library writes them ("E minor", "F# major") and their Camelot codes.

One spelling per pitch class, Essentia's (see audio.analysis), so the same key is
always the same string; a key typed by hand in another spelling (Db, G#, A#, Gb,
D#) is brought to it. The Camelot wheel (1A..12B) puts keys that mix well next to
each other: DJs sort and match by it.
"""

from __future__ import annotations

TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MODES = ("major", "minor")
_ENHARMONIC = {"Db": "C#", "D#": "Eb", "Gb": "F#", "G#": "Ab", "A#": "Bb"}
# Camelot number of each tonic's major key; its relative minor (three semitones down) shares the number.
_CAMELOT_MAJOR = {
    "B": 1,
    "F#": 2,
    "C#": 3,
    "Ab": 4,
    "Eb": 5,
    "Bb": 6,
    "F": 7,
    "C": 8,
    "G": 9,
    "D": 10,
    "A": 11,
    "E": 12,
}
KEY_HELP = "A key such as “E minor” or “F# major”: a note from C to B (with # or b) and major or minor."


def normalise_key(text: str) -> str:
    """``text`` as the library spells keys; "" stays "" (no key). Raises ValueError if it is no key."""
    words = text.split()
    if not words:
        return ""
    if len(words) != 2 or words[1].lower() not in MODES:
        raise ValueError(KEY_HELP)
    tonic = words[0][:1].upper() + words[0][1:]
    tonic = _ENHARMONIC.get(tonic, tonic)
    if tonic not in TONICS:
        raise ValueError(KEY_HELP)
    return f"{tonic} {words[1].lower()}"


def camelot(key: str) -> str:
    """The Camelot code of a key in the library's spelling ("E minor" -> "9A"); "" for no key."""
    if not key:
        return ""
    tonic, mode = key.split()
    if mode == "minor":
        relative_major = TONICS[(TONICS.index(tonic) + 3) % 12]
        return f"{_CAMELOT_MAJOR[relative_major]}A"
    return f"{_CAMELOT_MAJOR[tonic]}B"


def camelot_rank(key: str) -> int:
    """Where the key sorts on the wheel: 1A, 1B, 2A, ... 12B as 0..23."""
    code = camelot(key)
    return (int(code[:-1]) - 1) * 2 + (code[-1] == "B")


ALL_KEYS = tuple(f"{tonic} {mode}" for tonic in TONICS for mode in MODES)
