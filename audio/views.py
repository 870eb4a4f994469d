"""A track's own files: its cover art and the original it was uploaded as."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from audio import selectors
from audio.covers import placeholder_svg
from audio.http.files import download_response, ranged_file_response


@require_safe
def track_cover(request: HttpRequest, track_id) -> HttpResponse:
    track = selectors.track_get(owner=request.user, track_id=track_id)
    if not track.cover_path:
        response = HttpResponse(placeholder_svg(track.title), content_type="image/svg+xml")
    else:
        response = ranged_file_response(request, track.cover_path, content_type=track.cover_mime)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_safe
def track_original(request: HttpRequest, track_id) -> HttpResponse:
    track = selectors.track_get(owner=request.user, track_id=track_id)
    return download_response(request, track.file_path)
