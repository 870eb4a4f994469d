"""A database made before the regrouping (Stem in audio, UserSettings in jobs) migrates with
nothing lost: stems keep their rows and files, settings and the encrypted key carry over."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audio.models import Track
from jobs.models import JobStatus, Stem
from preferences.models import UserPreferences
from preferences.secret_box import secret_encrypt
from preferences.services import engine_secret, preference_values, separation_defaults

OLD_LAYOUT = [
    ("audio", "0003_stem_job_stem_one_file_per_stem_type"),
    ("jobs", "0002_user_settings"),
    ("preferences", None),
]
KEY = "Old-layout-lalal-key-7788"


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def fill_old_layout(apps, stored) -> tuple[str, str]:
    """A user with settings and a key, a track, a completed job with two stem files."""
    user = apps.get_model("auth", "User").objects.create(username="veteran", password="!")
    apps.get_model("jobs", "UserSettings").objects.create(
        user_id=user.pk,
        engine="lalalai",
        local_model="htdemucs_6s",
        stems_mode="two",
        output_format="flac",
        lalalai_key_encrypted=secret_encrypt(KEY),
        lalalai_splitter="phoenix",
        lalalai_dereverb=True,
        lalalai_extraction_level="clear_cut",
        lalalai_stems=["wind"],
    )
    track = apps.get_model("audio", "Track").objects.create(
        owner_id=user.pk,
        title="Old song",
        original_filename="old.wav",
        extension="wav",
        codec="pcm_s16le",
        content_sha256="0" * 64,
        size_bytes=4,
        duration_seconds=1.0,
        sample_rate=44100,
        channels=2,
    )
    job = apps.get_model("jobs", "ProcessingJob").objects.create(
        track_id=track.pk,
        user_id=user.pk,
        engine="local",
        model="htdemucs",
        status="completed",
        celery_task_id=uuid.uuid4().hex,
    )
    for name in ("vocals", "instrumental"):
        relative = f"stems/{job.pk}/{name}.wav"
        stored.write(relative, b"RIFF" + name.encode())
        apps.get_model("audio", "Stem").objects.create(
            job_id=job.pk,
            stem_type=name,
            format="wav",
            duration_seconds=1.0,
            size_bytes=9,
            file_path=relative,
        )
    return str(user.pk), str(job.pk)


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_layout_keeps_its_stems_and_settings(stored):
    executor = migrate(OLD_LAYOUT)
    old_apps = executor.loader.project_state([target for target in OLD_LAYOUT if target[1]]).apps
    user_id, job_id = fill_old_layout(old_apps, stored)

    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())

    stems = Stem.objects.filter(job_id=job_id).select_related("job__track")
    assert sorted(stem.stem_type for stem in stems) == ["instrumental", "vocals"]
    for stem in stems:
        assert stem.job.status == JobStatus.COMPLETED and stem.job.track.title == "Old song"
        assert stored.read(stem.file_path) == b"RIFF" + stem.stem_type.encode()
    assert Track.objects.get(owner_id=user_id).jobs.get().stems.count() == 2

    row = UserPreferences.objects.get(user_id=user_id)
    values = preference_values(row=row)
    assert (values["engine"], values["local_model"], values["stems_mode"], values["output_format"]) == (
        "lalalai",
        "htdemucs_6s",
        "two",
        "flac",
    )
    assert (values["lalalai_splitter"], values["lalalai_dereverb"], values["lalalai_stems"]) == (
        "phoenix",
        True,
        ["wind"],
    )
    assert values["lalalai_extraction_level"] == "clear_cut"
    assert engine_secret(user=row.user, engine="lalalai") == KEY
    assert separation_defaults(user=row.user)["model"] == "phoenix"
