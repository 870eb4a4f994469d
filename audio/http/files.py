"""Serve files from disk with HTTP Range, so players can seek without downloading all."""

import mimetypes
import re
from pathlib import Path

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from audio.http.streaming import ClosingStream, read_file

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A position of more digits than this is past any file (and int() of thousands of digits is refused).
MAX_DIGITS = 18
mimetypes.add_type("audio/flac", ".flac")
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("audio/aiff", ".aiff")


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS


def requested_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a single ``bytes=`` range, (-1, -1) if unsatisfiable, None
    to send the whole file (no header, one we do not take, or an invalid range such as
    ``bytes=5-3``, which RFC 9110 says to ignore)."""
    match = RANGE_RE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if first:
        start = _position(first)
        if last and _position(last) < start:
            return None
        end = min(_position(last) if last else size - 1, size - 1)
    else:
        start, end = max(size - _position(last), 0), size - 1
    return (start, end) if start <= end and start < size else (-1, -1)


def ranged_file_response(
    request: HttpRequest, path: Path, *, download_name: str | None = None, content_type: str | None = None
) -> HttpResponse:
    """The file whole (200) or the single byte range asked for (206, or 416), streamed;
    for HEAD the same headers without reading the file."""
    size = path.stat().st_size
    wanted = requested_range(request.headers.get("Range", ""), size)
    if wanted == (-1, -1):
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted or (0, size - 1)
    status = 206 if wanted else 200
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            ClosingStream(read_file(path, start, end - start + 1)), status=status, content_type=content_type
        )
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return response
