"""Paths under UPLOADS_DIR. Stored paths are relative; nothing may climb out."""

import shutil
from pathlib import Path

from django.conf import settings


class OutsideUploads(ValueError):
    pass


def uploads_path(relative: str) -> Path:
    """Absolute path of ``relative`` inside UPLOADS_DIR; raises OutsideUploads otherwise."""
    root = Path(settings.UPLOADS_DIR).resolve()
    path = (root / relative).resolve()
    if path == root or root not in path.parents:
        raise OutsideUploads(relative)
    return path


def remove_folder(relative: str) -> None:
    shutil.rmtree(uploads_path(relative), ignore_errors=True)
