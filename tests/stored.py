"""The storage the suite runs on: the folder (default) or, with STORAGE=s3 in the
environment, a bucket on a moto S3 server on loopback (a real HTTP endpoint that worker
processes reach too), one fresh bucket per test.

Tests look at stored files through ``StoredFiles`` so they hold for either.
"""

from __future__ import annotations

import os
import uuid

import boto3

from audio.storage import bytes_get, bytes_put, files, names_under

S3 = os.environ.get("STORAGE") == "s3"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1"}


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_CREDENTIALS["AWS_S3_REGION_NAME"],
    )


def s3_storage_settings(endpoint: str, bucket: str) -> dict:
    """The STORAGES entry (and worker environment) for ``bucket`` on the moto server."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "secret_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "region_name": S3_CREDENTIALS["AWS_S3_REGION_NAME"],
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": True,
        },
    }


def storage_env(storages: dict, uploads_dir) -> dict[str, str]:
    """What a process started by a test (a worker) needs to use the storage of ``storages``
    (the test's settings.STORAGES): the same bucket, or the same folder."""
    options = storages["default"]["OPTIONS"]
    if "bucket_name" not in options:
        return {"STORAGE": "local", "UPLOADS_DIR": str(uploads_dir)}
    return {
        "STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": options["bucket_name"],
        "AWS_S3_ENDPOINT_URL": options["endpoint_url"],
        "AWS_S3_ADDRESSING_STYLE": "path",
        **S3_CREDENTIALS,
    }


def new_bucket(endpoint: str) -> str:
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return bucket


def drop_bucket(endpoint: str, bucket: str) -> None:
    client = s3_client(endpoint)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


class StoredFiles:
    """What the default storage holds, by stored name."""

    def names(self, prefix: str = "") -> list[str]:
        """Every stored name (under the folder ``prefix``), sorted."""
        if prefix:
            return sorted(names_under(prefix))
        folders, names = files().listdir("")
        return sorted([*names, *(name for folder in folders for name in names_under(folder))])

    def library_names(self) -> list[str]:
        """Stored names of tracks and stems (not the folder storage's own incoming/ and scratch/)."""
        return [name for name in self.names() if name.startswith(("tracks/", "stems/"))]

    def exists(self, name: str) -> bool:
        return files().exists(name)

    def read(self, name: str) -> bytes:
        return bytes_get(name)

    def write(self, name: str, data: bytes) -> None:
        bytes_put(name=name, data=data)

    def size(self, name: str) -> int:
        return files().size(name)
