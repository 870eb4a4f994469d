"""A job's stems are stored with their waveforms beside them (or get them on first view)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from audio import services as audio_services
from audio.engines.base import SeparationResult
from audio.waveforms import WaveformsUnavailable, waveforms_load
from jobs.models import ProcessingJob
from jobs.services import job_complete
from jobs.stems import stem_names, stems_draw, stems_record, stems_upload
from tests.audio.files import temporary_upload
from tests.audio.test_waveforms import sine, write


@pytest.fixture
def job(user, tmp_path):
    upload = temporary_upload(write(tmp_path / "song.wav", sine(3, 0.4) + sine(3, 0.1, 440)))
    track, _ = audio_services.track_create(owner=user, upload=upload)
    return ProcessingJob.objects.create(
        track=track, user=user, engine="local", model="spleeter_2stems", status="running"
    )


def engine_output(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    return {
        "vocals": write(folder / "vocals.wav", sine(3, 0.1, 440)),
        "instrumental": write(folder / "instrumental.wav", sine(3, 0.4)),
    }


def stems_store(*, job: ProcessingJob, files: dict[str, Path]):
    return stems_record(stems=stems_upload(job=job, files=files))


def test_storing_stems_stores_their_waveforms_beside_them(job, tmp_path, stored):
    files = engine_output(tmp_path / "work")
    stems_draw(job=job, files=files, original=tmp_path / "song.wav")
    stems_store(job=job, files=files)
    doc = json.loads(stored.read(f"stems/{job.id}/peaks.json"))
    assert set(doc["stems"]) == {"vocals", "instrumental"}
    assert doc["stems"]["vocals"]["relative_db"] == pytest.approx(-12.3, abs=0.2)  # 0.1 vs 0.4 + 0.1
    assert doc["original"]["seconds"] == pytest.approx(3, abs=0.01)


def test_waveforms_of_an_older_job_are_computed_on_first_view_then_reused(job, tmp_path, stored, monkeypatch):
    stems_store(job=job, files=engine_output(tmp_path / "work"))
    assert not stored.exists(job.peaks_path)  # as for a job completed before waveforms existed
    paths = stem_names(job=job)
    original = job.track.file_path
    first = waveforms_load(target=job.peaks_path, original=original, stems=paths)
    assert stored.exists(job.peaks_path) and set(first["stems"]) == set(paths)
    monkeypatch.setattr("audio.waveforms.waveforms_compute", lambda **kw: pytest.fail("computed twice"))
    assert waveforms_load(target=job.peaks_path, original=original, stems=paths) == first


def test_an_undecodable_stem_does_not_fail_storing_the_stems(job, tmp_path, stored):
    files = engine_output(tmp_path / "work")
    files["vocals"].write_bytes(b"not audio at all" * 100)
    stems_draw(job=job, files=files, original=tmp_path / "song.wav")
    stems = stems_store(job=job, files=files)
    assert len(stems) == 2
    assert not stored.exists(job.peaks_path)
    with pytest.raises(WaveformsUnavailable):
        waveforms_load(target=job.peaks_path, original=job.track.file_path, stems=stem_names(job=job))


def test_a_completed_jobs_waveforms_are_drawn_outside_its_transaction(
    transactional_db, job, tmp_path, stored, monkeypatch
):
    """Drawing decodes every stem; inside the transaction it held SQLite's write lock for seconds."""
    drawn_in_transaction = []
    real = stems_draw

    def spy(*, job, files, original, levels):
        drawn_in_transaction.append(connection.in_atomic_block)
        real(job=job, files=files, original=original, levels=levels)

    monkeypatch.setattr("jobs.services.stems_draw", spy)
    result = SeparationResult(stems=engine_output(tmp_path / "work"), meta={})
    assert job_complete(job=job, result=result, original=tmp_path / "song.wav")
    assert drawn_in_transaction == [False]
    assert stored.exists(job.peaks_path)
