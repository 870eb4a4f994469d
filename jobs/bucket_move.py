"""Moving an installation's files from UPLOADS_DIR into the bucket (STORAGE=s3).

Copies first, under the same names, so the rows stay valid as they are; a file already
in the bucket with the same size is skipped, so a run that stopped halfway is simply
run again. Then every name the database holds is checked in the bucket; only then,
and only if asked, do the local copies go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storages.backends.s3 import S3Storage

from audio.models import Track
from audio.storage import file_put, files
from jobs.models import Stem

logger = logging.getLogger(__name__)
LIBRARY_FOLDERS = ("tracks", "stems")


class NotABucket(Exception):
    """The storage is not a bucket; ``message`` is for the operator."""

    def __init__(self):
        self.message = (
            "The storage is not a bucket: set STORAGE=s3 and the bucket's AWS_* settings; "
            "the files are read from UPLOADS_DIR."
        )
        super().__init__(self.message)


@dataclass
class MoveReport:
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)  # names the database holds that the bucket lacks
    removed: int = 0


def local_library_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(stored name, file) for every library file under ``root``; work folders and partial
    files (names starting with a dot) are no library files."""
    for folder in LIBRARY_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                yield relative.as_posix(), path


def _in_bucket(name: str, size: int) -> bool:
    storage = files()
    return storage.exists(name) and storage.size(name) == size


def database_names() -> Iterator[tuple[str, int | None]]:
    """Every stored name the rows refer to, with its size when a row records it."""
    for track in Track.objects.only("id", "extension", "size_bytes", "cover_path").iterator():
        yield track.file_path, track.size_bytes
        if track.cover_path:
            yield track.cover_path, None
    yield from Stem.objects.values_list("file_path", "size_bytes").iterator()


def _missing_in_bucket() -> list[str]:
    storage = files()
    return [
        name
        for name, size in database_names()
        if not (storage.exists(name) and (size is None or storage.size(name) == size))
    ]


def files_move_to_bucket(
    *, root: Path, delete_local: bool = False, say: Callable[[str], None] = logger.info
) -> MoveReport:
    """Copy the library files under ``root`` into the bucket, check the database's names there,
    and (``delete_local``, all found) remove the local copies. Raises NotABucket."""
    if not isinstance(files(), S3Storage):
        raise NotABucket()
    report = MoveReport()
    for name, path in local_library_files(root):
        size = path.stat().st_size
        if _in_bucket(name, size):
            report.skipped += 1
            continue
        file_put(name=name, source=path)  # read in parts; a bucket never moves the local file
        report.copied += 1
        report.copied_bytes += size
        say(f"copied {name} ({size} bytes)")
    report.missing = _missing_in_bucket()
    if delete_local and not report.missing:
        for name, path in local_library_files(root):
            if _in_bucket(name, path.stat().st_size):
                path.unlink()
                report.removed += 1
    return report
