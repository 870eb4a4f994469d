"""A bucket that refuses to take one stem, as a full or read-only bucket refuses a write:
everything else goes to the real (moto) S3 endpoint over HTTP."""

from __future__ import annotations

from pathlib import PurePosixPath

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage

REFUSED_STEM = "drums"


class RefusingS3Storage(S3Storage):
    def _save(self, name, content):
        if PurePosixPath(name).stem == REFUSED_STEM:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject")
        return super()._save(name, content)
