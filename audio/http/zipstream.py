"""A ZIP of stored stem files, produced while it is sent: memory stays flat whatever its size."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator

from audio.storage import read_range


class _Pipe:
    """A write-only file whose written bytes are collected for the next yield."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_stream(files: list[tuple[str, str]]) -> Iterator[bytes]:
    """Yield a ZIP (stored, not compressed: audio does not shrink) of ``(name in the archive,
    stored name)`` pairs, each read from the storage as it is written."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, stored in files:
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.external_attr = 0o644 << 16
            with archive.open(info, mode="w", force_zip64=True) as target:
                for chunk in read_range(stored):
                    target.write(chunk)
                    yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()
