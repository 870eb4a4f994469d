"""Waveform peaks and stem loudness: computed from the files, stored beside the stems."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio import services
from audio.waveforms import PEAK_BINS, WaveformsUnavailable, waveforms_compute, waveforms_load
from jobs.models import ProcessingJob
from tests.audio.files import temporary_upload

RATE = 44100


def sine(seconds: float, amplitude: float, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.stack([amplitude * np.sin(2 * np.pi * freq * t)] * 2, axis=1).astype(np.float32)


def write(path: Path, samples: np.ndarray, subtype: str = "PCM_16") -> Path:
    soundfile.write(str(path), samples, RATE, subtype=subtype)
    return path


def test_peaks_follow_the_audio_and_loudness_is_relative_to_the_mix(tmp_path):
    loud = sine(30, 0.5)
    loud[len(loud) // 2:] = 0  # loud first half, silence after
    quiet = sine(30, 0.05, freq=330.0)  # 20 dB below the loud part's level
    silent = np.zeros_like(loud)
    stems = {"drums": write(tmp_path / "drums.wav", loud), "bass": write(tmp_path / "bass.wav", quiet),
             "vocals": write(tmp_path / "vocals.wav", silent)}
    original = write(tmp_path / "mix.wav", loud + quiet)

    doc = waveforms_compute(original=original, stems=stems)

    drums = doc["stems"]["drums"]
    assert len(drums["peaks"]) == 2 * PEAK_BINS
    assert drums["seconds"] == pytest.approx(30, abs=0.01)
    lows, highs = np.array(drums["peaks"][0::2]), np.array(drums["peaks"][1::2])
    assert highs[: PEAK_BINS // 2 - 1].min() >= 63 and lows[: PEAK_BINS // 2 - 1].max() <= -63  # 0.5 of 127
    assert max(highs) <= 64
    assert np.abs(highs[PEAK_BINS // 2 + 1:]).max() == 0 and np.abs(lows[PEAK_BINS // 2 + 1:]).max() == 0
    assert max(np.abs(doc["original"]["peaks"])) == pytest.approx(np.abs(loud + quiet).max() * 127, abs=1)
    # Levels: drums' RMS is 0.5/sqrt(2) for half the time, bass 0.05/sqrt(2) throughout.
    mix_power = (0.5**2 / 2) / 2 + 0.05**2 / 2
    assert drums["relative_db"] == pytest.approx(10 * np.log10((0.5**2 / 4) / mix_power), abs=0.15)
    assert doc["stems"]["bass"]["relative_db"] == pytest.approx(10 * np.log10((0.05**2 / 2) / mix_power), abs=0.15)
    assert doc["stems"]["vocals"] == {**doc["stems"]["vocals"], "silent": True, "relative_db": None, "rms_dbfs": None}
    assert len(json.dumps(doc)) < 40_000  # small enough to embed in the page


def test_short_files_get_fewer_bins_and_flac_stems_are_read(tmp_path):
    stems = {"vocals": write(tmp_path / "vocals.flac", sine(0.5, 0.25), "PCM_24")}
    doc = waveforms_compute(original=write(tmp_path / "mix.wav", sine(0.5, 0.25)), stems=stems)
    assert 2 <= len(doc["stems"]["vocals"]["peaks"]) < 2 * PEAK_BINS
    assert doc["stems"]["vocals"]["relative_db"] == 0.0


@pytest.fixture
def job(user, tmp_path):
    upload = temporary_upload(write(tmp_path / "song.wav", sine(3, 0.4) + sine(3, 0.1, 440)))
    track, _ = services.track_create(owner=user, upload=upload)
    return ProcessingJob.objects.create(track=track, user=user, engine="local", model="spleeter_2stems",
                                        status="running")


def engine_output(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    return {"vocals": write(folder / "vocals.wav", sine(3, 0.1, 440)),
            "instrumental": write(folder / "instrumental.wav", sine(3, 0.4))}


def test_storing_stems_stores_their_waveforms_beside_them(job, tmp_path, uploads_dir):
    services.stems_store(job=job, files=engine_output(tmp_path / "work"), output_format="wav")
    doc = json.loads((uploads_dir / f"stems/{job.id}/peaks.json").read_text())
    assert set(doc["stems"]) == {"vocals", "instrumental"}
    assert doc["stems"]["vocals"]["relative_db"] == pytest.approx(-12.3, abs=0.2)  # 0.1 vs 0.4 + 0.1
    assert doc["original"]["seconds"] == pytest.approx(3, abs=0.01)


def test_waveforms_of_an_older_job_are_computed_on_first_view_then_reused(job, tmp_path, uploads_dir, monkeypatch):
    services.stems_store(job=job, files=engine_output(tmp_path / "work"), output_format="wav")
    stored = uploads_dir / f"stems/{job.id}/peaks.json"
    stored.unlink()  # as for a job completed before waveforms existed
    paths = {stem.stem_type: uploads_dir / stem.file_path for stem in job.stems.all()}
    original = uploads_dir / job.track.file_path
    first = waveforms_load(job_id=job.id, original=original, stems=paths)
    assert stored.is_file() and set(first["stems"]) == set(paths)
    monkeypatch.setattr("audio.waveforms.waveforms_compute", lambda **kw: pytest.fail("computed twice"))
    assert waveforms_load(job_id=job.id, original=original, stems=paths) == first


def test_an_undecodable_stem_does_not_fail_storing_the_stems(job, tmp_path, uploads_dir):
    files = engine_output(tmp_path / "work")
    files["vocals"].write_bytes(b"not audio at all" * 100)
    stems = services.stems_store(job=job, files=files, output_format="wav")
    assert len(stems) == 2
    assert not (uploads_dir / f"stems/{job.id}/peaks.json").exists()
    with pytest.raises(WaveformsUnavailable):
        waveforms_load(job_id=job.id, original=uploads_dir / job.track.file_path,
                       stems={stem.stem_type: uploads_dir / stem.file_path for stem in stems})
