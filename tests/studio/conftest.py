"""A track with a completed two-stem job, made the way the app makes them."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
import soundfile
from django.utils import timezone

from audio import services as audio_services
from jobs.models import ProcessingJob
from jobs.stems import stems_draw, stems_record, stems_upload
from tests.audio.files import temporary_upload

RATE = 44100
META = {
    "engine": "local",
    "model": "spleeter_2stems",
    "model_version": "spleeter 2stems (deezer) v1",
    "device": "cpu",
    "threads": 2,
    "warm": False,
    "model_load_seconds": 0.41,
    "separation_seconds": 0.52,
    "runtime_seconds": 1.234,
    "input_seconds": 3.0,
    "real_time_factor": 0.4113,
    "samplerate": 44100,
    "warnings": ["very short input (3.0 s): separation quality may be poor", "clipping"],
}


def tone(seconds: float, amplitude: float, freq: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.stack([amplitude * np.sin(2 * np.pi * freq * t)] * 2, axis=1)


@pytest.fixture
def track(user, tmp_path):
    path = tmp_path / "Night Drive.wav"
    soundfile.write(str(path), tone(3, 0.3, 220) + tone(3, 0.1, 440), RATE, subtype="PCM_16")
    track, _ = audio_services.track_create(owner=user, upload=temporary_upload(path))
    return track


@pytest.fixture
def complete_job(track, tmp_path):
    """A job completed the way jobs.services.job_complete does it: stems stored, meta saved."""

    def complete(
        *, preview: bool = False, vocals: float = 0.1, age_minutes: int = 0, meta=None, seconds: float = 3
    ) -> ProcessingJob:
        created = timezone.now() - timedelta(minutes=age_minutes)
        job = ProcessingJob.objects.create(
            track=track,
            user=track.owner,
            engine="local",
            model="spleeter_2stems",
            preview=preview,
            status="running",
            started_at=created,
        )
        work = tmp_path / f"work-{job.id}"
        work.mkdir()
        files = {"vocals": work / "vocals.wav", "instrumental": work / "instrumental.wav"}
        soundfile.write(str(files["vocals"]), tone(seconds, vocals, 440), RATE, subtype="PCM_16")
        soundfile.write(str(files["instrumental"]), tone(seconds, 0.3, 220), RATE, subtype="PCM_16")
        stems_draw(job=job, files=files, original=tmp_path / "Night Drive.wav")
        stems_record(stems=stems_upload(job=job, files=files))
        ProcessingJob.objects.filter(pk=job.pk).update(
            status="completed",
            progress=100,
            created_at=created,
            finished_at=created + timedelta(seconds=2),
            result_meta=META if meta is None else meta,
        )
        job.refresh_from_db()
        return job

    return complete


def read_wav(response) -> np.ndarray:
    """A mix download's samples (at RATE)."""
    samples, rate = soundfile.read(io.BytesIO(b"".join(response)), always_2d=True)
    assert rate == RATE
    return samples
