"""Uploads go straight to a temporary file on disk, hashed on the way in.

A file over MAX_UPLOAD_MB is dropped as soon as it crosses the limit and the
reason is left on ``request.upload_rejections`` for the view to report.
"""

import hashlib
import os

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# What a multipart request carries beside the file: boundaries, part headers, the CSRF field.
MULTIPART_OVERHEAD = 64 * 1024


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def upload_request_bytes() -> int:
    """The largest request body an upload route reads (soundforge.asgi refuses more as it arrives)."""
    return max_upload_bytes() + MULTIPART_OVERHEAD


def too_large_message() -> str:
    return f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit."


class LimitedDiskUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
        self.file = TemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)
        self.digest = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            self.file.close()  # removes the temporary file
            rejections = getattr(self.request, "upload_rejections", [])
            rejections.append((self.file_name, too_large_message()))
            self.request.upload_rejections = rejections
            raise SkipFile()
        self.digest.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> TemporaryUploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.digest.hexdigest()
        return self.file
