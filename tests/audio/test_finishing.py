"""Stems finished after the engine: sample rate, loudness-safe normalisation, clipping risk in words."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.finishing import CEILING_DBFS, stems_finish

RATE = 44100


def tone(freq: float, amplitude: float, seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return np.stack([amplitude * np.sin(2 * np.pi * freq * t)] * 2, axis=1)


def write_stems(folder, amplitudes: dict[str, float], fmt: str = "wav", rate: int = RATE) -> dict:
    files = {}
    for index, (name, amplitude) in enumerate(amplitudes.items()):
        files[name] = folder / f"{name}.{fmt}"
        soundfile.write(
            str(files[name]),
            tone(220 * (index + 1), amplitude, rate=rate),
            rate,
            subtype=None if fmt == "mp3" else "PCM_16",
        )
    return files


def sum_peak(files: dict) -> float:
    return float(np.abs(sum(soundfile.read(str(path))[0] for path in files.values())).max())


def test_off_the_stems_stay_as_they_are_and_a_sum_past_full_scale_is_a_clipping_risk(tmp_path):
    files = write_stems(tmp_path, {"vocals": 0.7, "other": 0.7})
    before = {name: path.read_bytes() for name, path in files.items()}
    finished = stems_finish(files=files, rate=RATE, normalise=False)
    assert {name: path.read_bytes() for name, path in files.items()} == before
    assert not finished.rewritten  # what the engine measured of the files still holds
    assert len(finished.warnings) == 1 and finished.warnings[0].startswith("clipping risk: the stems add up to +")
    assert "turn on loudness-safe normalisation" in finished.warnings[0]


def test_off_a_quiet_sum_has_nothing_to_warn_about(tmp_path):
    assert (
        stems_finish(files=write_stems(tmp_path, {"vocals": 0.3, "other": 0.3}), rate=RATE, normalise=False).warnings
        == []
    )


@pytest.mark.parametrize("amplitude", [0.7, 0.1])  # too loud together, and too quiet
def test_normalised_the_sum_peaks_at_the_ceiling_and_the_balance_is_kept(tmp_path, amplitude):
    files = write_stems(tmp_path, {"vocals": amplitude, "other": amplitude / 2})
    finished = stems_finish(files=files, rate=RATE, normalise=True)
    assert finished.warnings == [] and finished.rewritten
    assert 20 * np.log10(sum_peak(files)) == pytest.approx(CEILING_DBFS, abs=0.05)
    vocals, other = (np.abs(soundfile.read(str(files[name]))[0]).max() for name in ("vocals", "other"))
    assert vocals / other == pytest.approx(2, rel=0.01)
    assert (finished.gain_db < 0) == (amplitude == 0.7)


def test_a_stem_at_full_scale_is_named_as_a_clipping_risk(tmp_path):
    files = write_stems(tmp_path, {"drums": 1.0, "bass": 0.01})
    finished = stems_finish(files=files, rate=RATE, normalise=True)
    assert finished.warnings == ["clipping risk: drums reached full scale and may be clipped"]


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_stems_come_out_at_the_chosen_rate_in_their_format_with_their_pitch(tmp_path, fmt):
    files = write_stems(tmp_path, {"vocals": 0.3, "other": 0.2}, fmt=fmt, rate=RATE)
    stems_finish(files=files, rate=48000, normalise=False)
    for index, path in enumerate(files.values()):
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels, info.format) == (48000, 2, fmt.upper())
        assert info.duration == pytest.approx(2.0, abs=0.06)  # MP3 frames pad a little
        samples = soundfile.read(str(path))[0][:, 0]
        spectrum = np.abs(np.fft.rfft(samples))
        assert np.argmax(spectrum) * 48000 / len(samples) == pytest.approx(220 * (index + 1), abs=1)
