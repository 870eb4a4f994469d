"""Stored files: originals, covers, stems and waveforms, by their stored names.

Every file goes through Django's default storage (settings.STORAGES): the folder
UPLOADS_DIR on this machine by default, or an S3-compatible bucket with STORAGE=s3.
Names are relative (``tracks/<id>/original.wav``) and the same in either, so the
rows never say where the bytes are. What has to read a file as a file (FFmpeg, the
engines) gets a local copy in SCRATCH_DIR, or the file itself when the storage is
this machine's folder.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from audio.http.streaming import CHUNK

logger = logging.getLogger(__name__)


class OutsideUploads(ValueError):
    pass


class StorageFailed(Exception):
    """The storage did not take or give a file (the bucket refused it, or could not be reached);
    the exception's text is for the log, ``message`` for the user."""

    message = "The file storage is not answering right now; try again in a moment."


def files() -> Storage:
    """Where the library's files are kept (settings.STORAGES["default"])."""
    return storages["default"]


def checked_name(name: str) -> str:
    """``name`` when it is a plain relative name inside the storage; raises OutsideUploads otherwise."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(part in ("..", ".", "") for part in parts) or "\\" in name:
        raise OutsideUploads(name)
    return name


class _LocalFile(File):
    """A file on this machine handed to the storage: the folder storage moves it into place
    (``temporary_file_path``), a bucket reads it in parts (multipart upload), never whole."""

    def __init__(self, path: Path):
        super().__init__(path.open("rb"), name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def file_put(*, name: str, source: Path) -> int:
    """Store the local file ``source`` as ``name`` (replacing any), moving it when the storage is
    this machine's folder; returns its size. Raises StorageFailed."""
    size = source.stat().st_size
    with _LocalFile(source) as content:
        _save(name, content)
    return size


def bytes_put(*, name: str, data: bytes) -> None:
    """Store ``data`` as ``name`` (replacing any). Raises StorageFailed."""
    _save(name, ContentFile(data))


def _save(name: str, content: File) -> None:
    try:
        stored = files().save(checked_name(name), content)
    except OutsideUploads:
        raise
    except Exception as exc:  # boto3's, botocore's and the OS's errors alike: the file was not stored
        raise StorageFailed(f"Could not store {name}: {exc}") from exc
    if stored != name:  # a storage that renames instead of replacing would lose the row's name
        files().delete(stored)
        raise StorageFailed(f"The storage renamed {name} to {stored}; it must overwrite (allow_overwrite)")


def bytes_get(name: str) -> bytes:
    """The whole stored file (small files only: waveforms, covers). Raises OSError when missing."""
    try:
        with files().open(checked_name(name), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise OSError(f"Could not read {name}: {exc}") from exc


def file_size(name: str) -> int:
    return files().size(checked_name(name))


def read_range(name: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    """``length`` bytes of the stored file from ``start`` (to the end when None), in chunks;
    from a bucket as one ranged GET, never the whole object first."""
    storage, name = files(), checked_name(name)
    if length is None:
        length = storage.size(name) - start
    if length <= 0:
        return
    if isinstance(storage, S3Storage):
        key = storage._normalize_name(clean_name(name))
        body = storage.bucket.Object(key).get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def download_url(name: str, *, download_name: str | None, seconds: int) -> str | None:
    """A link to the stored file that works for ``seconds`` without signing in, or None when the
    storage cannot make one (this machine's folder): presigned by the bucket."""
    storage = files()
    if not isinstance(storage, S3Storage):
        return None
    parameters = {}
    if download_name:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
    return storage.url(checked_name(name), parameters=parameters, expire=seconds)


@contextlib.contextmanager
def local_copy(name: str, *, folder: Path | None = None) -> Iterator[Path]:
    """The stored file as a file on this machine for the block: the file itself in the folder
    storage, else a copy in ``folder`` (default: a temporary one in SCRATCH_DIR), removed after."""
    storage, name = files(), checked_name(name)
    try:
        here = Path(storage.path(name))
    except NotImplementedError:  # a bucket: no path on this machine
        here = None
    if here is not None:
        yield here
        return
    own = folder is None
    target_folder = Path(tempfile.mkdtemp(dir=scratch_dir())) if own else folder
    target = target_folder / PurePosixPath(name).name
    try:
        file_fetch(name=name, target=target)
        yield target
    finally:
        if own:
            shutil.rmtree(target_folder, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def file_fetch(*, name: str, target: Path) -> int:
    """Copy the stored file to ``target`` on this machine; returns its size. Raises StorageFailed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("wb") as out:
            for chunk in read_range(name):
                out.write(chunk)
    except Exception as exc:
        target.unlink(missing_ok=True)
        raise StorageFailed(f"Could not fetch {name}: {exc}") from exc
    return target.stat().st_size


def scratch_dir() -> Path:
    """This machine's own working folder (SCRATCH_DIR), made when missing."""
    path = Path(settings.SCRATCH_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def names_under(prefix: str) -> list[str]:
    """Every stored name under the folder ``prefix`` (recursively)."""
    storage, prefix = files(), checked_name(prefix)
    try:
        folders, names = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    found = [f"{prefix}/{name}" for name in names]
    for folder in folders:
        found.extend(names_under(f"{prefix}/{folder}"))
    return found


def remove_folder(relative: str) -> None:
    """Remove every stored file under the folder ``relative``; logs and keeps going when the
    storage refuses (the orphan sweep takes what stays)."""
    storage = files()
    try:
        names = names_under(relative)
    except Exception:  # the bucket cannot be reached: nothing can be removed now
        logger.exception("Could not list %s to remove it; the sweep will try again", relative)
        return
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not remove %s; the sweep will try again", name)
    with contextlib.suppress(NotImplementedError, OSError):
        shutil.rmtree(storage.path(checked_name(relative)), ignore_errors=True)  # the empty folders


def bucket_ensure() -> bool:
    """Create the storage's bucket when it does not exist; True if it was created. Raises
    StorageFailed when the storage is no bucket or the service refuses."""
    storage = files()
    if not isinstance(storage, S3Storage):
        raise StorageFailed("The storage is not a bucket: set STORAGE=s3 and the bucket's AWS_* settings.")
    client = storage.connection.meta.client
    try:
        client.head_bucket(Bucket=storage.bucket_name)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise StorageFailed(f"Cannot reach the bucket {storage.bucket_name}: {exc}") from exc
    try:
        client.create_bucket(Bucket=storage.bucket_name)
    except (ClientError, BotoCoreError) as exc:
        raise StorageFailed(f"Cannot create the bucket {storage.bucket_name}: {exc}") from exc
    logger.info("Created the bucket %s", storage.bucket_name)
    return True
