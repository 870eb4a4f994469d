"""Upload validation under random input: whatever the bytes, the answer is a track
within the limits or a refusal in words, never a crash."""

from __future__ import annotations

import struct
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio.decoding import MAX_CHANNELS, MAX_SAMPLE_RATE, AudioInfo, AudioRejected, inspect_audio
from tests.audio.files import encode, write_wav

MAX_SECONDS = 3.0
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def originals() -> dict[str, bytes]:
    """One short valid file per format, made once."""
    folder = Path(tempfile.mkdtemp(prefix="upload-properties-"))
    wav = write_wav(folder / "tone.wav", frames=44100)
    made = {"wav": wav.read_bytes()}
    for extension in ("mp3", "flac", "ogg", "m4a", "aiff"):
        made[extension] = encode(wav, folder / f"tone.{extension}").read_bytes()
    return made


def check(data: bytes) -> AudioInfo | None:
    """inspect_audio on ``data``: the info when accepted, None when refused in words."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        try:
            info = inspect_audio(Path(handle.name), max_seconds=MAX_SECONDS)
        except AudioRejected as exc:
            refusal = exc.message
        else:
            refusal = None
    if refusal is not None:
        assert refusal.endswith(".") and tempfile.gettempdir() not in refusal, refusal
        return None
    assert 0 < info.duration <= MAX_SECONDS
    assert 0 < info.sample_rate <= MAX_SAMPLE_RATE and 0 < info.channels <= MAX_CHANNELS
    return info


@PROPERTY
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused_or_accepted_never_a_crash(data):
    check(data)


@PROPERTY
@given(st.sampled_from(["wav", "mp3", "flac", "ogg", "m4a", "aiff"]), st.floats(0, 1, exclude_max=True))
def test_a_truncated_file_is_refused_or_holds_no_more_than_the_original(extension, share):
    original = originals()[extension]
    info = check(original[: int(len(original) * share)])
    assert info is None or info.duration <= 1.0 + 0.05


@PROPERTY
@given(
    rate=st.integers(0, 2**32 - 1),
    channels=st.integers(0, 2**16 - 1),
    data_size=st.integers(0, 2**32 - 1),
)
def test_a_wav_header_that_lies_is_refused_or_within_the_caps(rate, channels, data_size):
    data = bytearray(originals()["wav"])
    struct.pack_into("<HI", data, 22, channels, rate)
    struct.pack_into("<I", data, 40, data_size)
    check(bytes(data))


@PROPERTY
@given(st.sampled_from(["mp3", "flac", "ogg", "m4a", "aiff"]), st.data())
def test_random_bytes_written_over_a_header_are_refused_or_within_the_caps(extension, draw):
    data = bytearray(originals()[extension])
    offset = draw.draw(st.integers(0, min(200, len(data) - 1)))
    data[offset : offset + 8] = draw.draw(st.binary(min_size=1, max_size=8))
    check(bytes(data))
