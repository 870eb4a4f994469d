"""An installation grown out of one machine moves its files into the bucket: one command,
run again to resume, nothing lost, the rows valid as they are."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from jobs.models import JobStatus
from tests.audio.files import cover_png
from tests.conftest import token_client, use_new_bucket
from tests.stored import drop_bucket, s3_client


@pytest.fixture
def installation(settings, uploads_dir, user, make_track, make_job, tmp_path):
    """A library on the local folder: two tracks (one with a cover), two completed jobs with stems."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(uploads_dir), "allow_overwrite": True},
        },
    }
    first, second = make_track(user), make_track(user, seed=1)
    api = token_client(user)
    png = cover_png(tmp_path / "cover.png").read_bytes()
    answer = api.put(f"/api/tracks/{first.id}/cover/", {"cover": SimpleUploadedFile("c.png", png)}, format="multipart")
    assert answer.status_code == 200
    jobs = [make_job(track, status=JobStatus.COMPLETED, stems=("vocals", "accompaniment")) for track in (first, second)]
    (uploads_dir / "stems" / f".work-{jobs[0].id}-1").mkdir(parents=True)
    (uploads_dir / "stems" / f".work-{jobs[0].id}-1" / "vocals.wav").write_bytes(b"half-written")
    local = {
        path.relative_to(uploads_dir).as_posix(): path.read_bytes()
        for path in uploads_dir.rglob("*")
        if path.is_file() and path.parts[len(uploads_dir.parts)] in ("tracks", "stems") and ".work-" not in str(path)
    }
    assert len(local) == 2 + 1 + 4
    return local, jobs


@pytest.fixture
def bucket(settings, moto_endpoint, installation):
    name = use_new_bucket(settings, moto_endpoint)
    yield name
    drop_bucket(moto_endpoint, name)


def bucket_keys(endpoint, bucket) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def test_the_files_move_into_the_bucket_resumably_and_the_rows_stay_valid(
    installation, bucket, moto_endpoint, uploads_dir, user, capsys
):
    local, jobs = installation
    names = sorted(local)
    client = s3_client(moto_endpoint)
    client.put_object(Bucket=bucket, Key=names[0], Body=local[names[0]])  # copied by a run that stopped
    client.put_object(Bucket=bucket, Key=names[1], Body=local[names[1]][:10])  # cut off mid-upload

    call_command("move_files_to_bucket")
    out = capsys.readouterr().out
    assert f"{len(local) - 1} files copied" in out and "1 already in the bucket" in out
    assert "Every file the database names is in the bucket." in out
    assert bucket_keys(moto_endpoint, bucket) == local, "every file, whole, under its own name; no work folder"

    call_command("move_files_to_bucket")
    assert "0 files copied" in capsys.readouterr().out, "a second run has nothing left to do"

    call_command("move_files_to_bucket", "--delete-local")
    assert not [path for path in (uploads_dir / "tracks").rglob("*") if path.is_file()]
    api = token_client(user)
    stem = jobs[0].stems.get(stem_type="vocals")
    served = api.get(f"/export/stem/{stem.id}")
    assert served.status_code == 200 and b"".join(served) == local[stem.file_path], "the row's name still works"
    original = api.get(f"/files/tracks/{jobs[0].track_id}/original")
    assert b"".join(original) == local[jobs[0].track.file_path]


def test_a_file_the_database_names_but_nobody_has_is_reported_and_nothing_is_deleted(installation, bucket, uploads_dir):
    local, jobs = installation
    lost = jobs[1].stems.get(stem_type="vocals").file_path
    (uploads_dir / lost).unlink()
    with pytest.raises(CommandError, match=f"1 files the database names are not in the bucket: {lost}"):
        call_command("move_files_to_bucket", "--delete-local")
    assert all((uploads_dir / name).is_file() for name in local if name != lost), "nothing local was removed"


def test_the_command_refuses_without_a_bucket(installation):
    with pytest.raises(CommandError, match="set STORAGE=s3"):
        call_command("move_files_to_bucket")


def test_create_bucket_makes_it_once(settings, moto_endpoint, uploads_dir, capsys):
    name = use_new_bucket(settings, moto_endpoint)
    drop_bucket(moto_endpoint, name)
    call_command("create_bucket")
    call_command("create_bucket")
    assert capsys.readouterr().out.splitlines() == ["Bucket created.", "The bucket is there."]
    drop_bucket(moto_endpoint, name)
