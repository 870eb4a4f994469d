"""What a file says about itself costs nothing: caps on sample rate and channels,
and decoding that stops once the length limit is passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio import decoding
from audio.decoding import MAX_CHANNELS, MAX_SAMPLE_RATE, AudioRejected, inspect_audio
from tests.audio.files import ffmpeg, write_wav


@pytest.mark.parametrize(
    ("rate", "accepted"), [(MAX_SAMPLE_RATE // 2, True), (MAX_SAMPLE_RATE, True), (MAX_SAMPLE_RATE + 1, False)]
)
def test_sample_rate_cap_below_at_and_above(tmp_path, rate, accepted):
    path = write_wav(tmp_path / "rate.wav", frames=rate // 10, rate=rate)
    if accepted:
        assert inspect_audio(path, max_seconds=60).sample_rate == rate
    else:
        with pytest.raises(AudioRejected, match=f"sample rate is {rate} Hz; SoundForge takes up to 192 kHz"):
            inspect_audio(path, max_seconds=60)


def test_a_megahertz_file_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    """The issue's case: a small file at 1 MHz, tens of GB once separated and resampled."""
    path = write_wav(tmp_path / "mhz.wav", frames=100_000, rate=1_000_000, channels=1)
    monkeypatch.setattr(decoding, "_decode_all", lambda *args: pytest.fail("decoded a file its header refuses"))
    with pytest.raises(AudioRejected, match="sample rate is 1000000 Hz"):
        inspect_audio(path, max_seconds=1200)


@pytest.mark.parametrize(("channels", "accepted"), [(2, True), (MAX_CHANNELS, True), (MAX_CHANNELS + 1, False)])
def test_channel_cap_below_at_and_above(tmp_path, channels, accepted):
    path = write_wav(tmp_path / "channels.wav", frames=4410, channels=channels)
    if accepted:
        assert inspect_audio(path, max_seconds=60).channels == channels
    else:
        with pytest.raises(AudioRejected, match=f"has {channels} channels; SoundForge takes up to {MAX_CHANNELS}"):
            inspect_audio(path, max_seconds=60)


def flac_silence(path: Path, seconds: int, *, declared_samples: int | None) -> Path:
    """FLAC silence whose STREAMINFO declares ``declared_samples`` (0: unknown) instead of the truth."""
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", str(seconds), "-c:a", "flac", str(path))
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC"
    packed = int.from_bytes(data[18:26], "big")  # rate 20 bits, channels 3, bits 5, total samples 36
    packed = (packed & ~((1 << 36) - 1)) | (declared_samples or 0)
    data[18:26] = packed.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("declared", [None, 44100 * 10], ids=["declares-nothing", "declares-10-s"])
def test_decoding_stops_once_the_limit_is_passed(tmp_path, monkeypatch, declared):
    """6000 s of FLAC silence is about 1 MB; only a little over the limit is ever decoded."""
    path = flac_silence(tmp_path / "long.flac", 6000, declared_samples=declared)
    assert path.stat().st_size < 2_000_000
    frames = []
    real = decoding._check_shape
    monkeypatch.setattr(decoding, "_check_shape", lambda rate, channels: (frames.append(rate), real(rate, channels)))
    with pytest.raises(AudioRejected, match="The track is longer than that; the limit is 60 s"):
        inspect_audio(path, max_seconds=60)
    decoded_seconds = (len(frames) - 1) * 4608 / 44100  # ffmpeg's FLAC frames hold 4608 samples
    assert 60 <= decoded_seconds < 62, decoded_seconds


def test_a_file_at_the_limit_that_declares_nothing_is_accepted(tmp_path):
    path = flac_silence(tmp_path / "ok.flac", 60, declared_samples=None)
    assert inspect_audio(path, max_seconds=60).duration == pytest.approx(60, abs=0.01)
