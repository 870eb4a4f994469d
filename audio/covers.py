"""Cover art: a generated one for tracks whose file carried none, and checking a picture
a user gives instead."""

import hashlib
import io
from html import escape

import av

from audio.decoding import IMAGE_MIME

COVER_MAX_BYTES = 5 * 1024 * 1024  # a phone's photo; soundforge.asgi bounds the cover route's body to it
COVER_MAX_SIDE = 4096
COVER_MAX_PIXELS = COVER_MAX_SIDE * COVER_MAX_SIDE  # a small file can declare a huge picture


def placeholder_svg(title: str) -> str:
    """A gradient picked from the title, with its first letter."""
    digest = hashlib.sha256(title.encode()).digest()
    hue_a, hue_b = digest[0] * 360 // 256, digest[1] * 360 // 256
    letter = escape((title.strip()[:1] or "?").upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue_a},65%,45%)"/>'
        f'<stop offset="1" stop-color="hsl({hue_b},70%,30%)"/></linearGradient></defs>'
        '<rect width="200" height="200" fill="url(#g)"/>'
        '<text x="100" y="128" font-family="sans-serif" font-size="96" text-anchor="middle" '
        f'fill="rgba(255,255,255,.85)">{letter}</text></svg>'
    )


class CoverRejected(Exception):
    """The file is not a picture we take as cover art; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cover_too_large_message() -> str:
    return f"The picture is larger than {COVER_MAX_BYTES // (1024 * 1024)} MB; choose a smaller one."


def cover_inspect(data: bytes) -> str:
    """The MIME type of cover art given as bytes, decided by decoding it (FFmpeg, through
    PyAV), never by a name. Raises CoverRejected: too large, too many pixels, not a
    JPEG, PNG, BMP or WebP picture, or one that does not decode."""
    if not data:
        raise CoverRejected("The picture is empty.")
    if len(data) > COVER_MAX_BYTES:
        raise CoverRejected(cover_too_large_message())
    not_a_picture = CoverRejected("This is not a JPEG, PNG, BMP or WebP picture.")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise not_a_picture from exc
    with container:
        stream = next((s for s in container.streams if s.type == "video"), None)
        mime = IMAGE_MIME.get(stream.codec_context.name, "") if stream is not None else ""
        if not mime:
            raise not_a_picture
        if stream.codec_context.width * stream.codec_context.height > COVER_MAX_PIXELS:
            raise CoverRejected(f"The picture has more than {COVER_MAX_SIDE}×{COVER_MAX_SIDE} pixels.")
        try:
            next(container.decode(stream))
        except (av.error.FFmpegError, StopIteration) as exc:
            raise CoverRejected("This picture cannot be read; it may be damaged.") from exc
    return mime
