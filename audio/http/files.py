"""Serve stored files with HTTP Range, so players can seek without downloading all.

From a bucket the bytes are passed on (one ranged GET per request), or, with
S3_DOWNLOADS=redirect, the browser is sent to a link the bucket signed for
S3_LINK_SECONDS; either way only after the view found the file to be the user's.
"""

import mimetypes
import re
from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from audio.http.streaming import ClosingStream
from audio.storage import download_url, file_size, read_range

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A position of more digits than this is past any file (and int() of thousands of digits is refused).
MAX_DIGITS = 18
mimetypes.add_type("audio/flac", ".flac")
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("audio/aiff", ".aiff")


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS


def _below(digits: str, other: str) -> bool:
    """Whether the number ``digits`` spell is below ``other``'s, at any length (no int() of either)."""
    digits, other = digits.lstrip("0") or "0", other.lstrip("0") or "0"
    return (len(digits), digits) < (len(other), other)


def requested_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a single ``bytes=`` range, (-1, -1) if unsatisfiable, None
    to send the whole file (no header, one we do not take, or an invalid range such as
    ``bytes=5-3``, which RFC 9110 says to ignore)."""
    match = RANGE_RE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if first:
        if last and _below(last, first):
            return None
        start = _position(first)
        end = min(_position(last) if last else size - 1, size - 1)
    else:
        start, end = max(size - _position(last), 0), size - 1
    return (start, end) if start <= end and start < size else (-1, -1)


def ranged_file_response(
    request: HttpRequest, name: str, *, download_name: str | None = None, content_type: str | None = None
) -> HttpResponse:
    """The stored file ``name`` whole (200) or the single byte range asked for (206, or 416),
    streamed; for HEAD the same headers without reading the file."""
    size = file_size(name)
    wanted = requested_range(request.headers.get("Range", ""), size)
    if wanted == (-1, -1):
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted or (0, size - 1)
    status = 206 if wanted else 200
    content_type = content_type or mimetypes.guess_type(PurePosixPath(name).name)[0] or "application/octet-stream"
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            ClosingStream(read_range(name, start, end - start + 1)), status=status, content_type=content_type
        )
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return response


def download_response(request: HttpRequest, name: str, *, download_name: str | None = None) -> HttpResponse:
    """The stored file as ``ranged_file_response`` sends it, or, from a bucket with
    S3_DOWNLOADS=redirect, a redirect to a short-lived link the bucket signed. Call only after
    checking the file is the user's."""
    if settings.S3_DOWNLOADS == "redirect":
        url = download_url(name, download_name=download_name, seconds=settings.S3_LINK_SECONDS)
        if url is not None:
            response = HttpResponseRedirect(url)
            response["Cache-Control"] = "private, no-store"  # the link expires; the page must ask again
            return response
    return ranged_file_response(request, name, download_name=download_name)
