"""Library pages: list, upload, delete, cover art and the original file (the track page is jobs' studio)."""
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from audio import selectors, services
from audio.covers import placeholder_svg
from audio.decoding import AudioRejected
from audio.export import zip_stream
from audio.file_responses import ranged_file_response
from audio.storage import uploads_path
from audio.streaming import iterate_in_thread


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    tracks = selectors.track_list(owner=request.user)
    return render(request, "audio/library.html", {
        "tracks": tracks, "max_upload_mb": settings.MAX_UPLOAD_MB,
        "max_track_minutes": settings.MAX_TRACK_SECONDS // 60,
    })


@require_POST
def track_upload(request: HttpRequest) -> HttpResponse:
    """Take one or many files from the `file` field; report each one's fate."""
    uploads = request.FILES.getlist("file")
    errors = [{"file": name, "message": message}
              for name, message in getattr(request, "upload_rejections", [])]
    accepted = []
    for upload in uploads:
        try:
            track, created = services.track_create(owner=request.user, upload=upload)
        except AudioRejected as exc:
            errors.append({"file": services.display_name(upload.name), "message": exc.message})
            continue
        accepted.append({
            "id": str(track.id), "title": track.title, "created": created,
            "card_html": render_to_string("audio/_track_card.html", {"track": track}, request),
        })
    if not uploads and not errors:
        errors.append({"file": "", "message": "Choose at least one audio file to upload."})
    status = 200 if accepted else (413 if getattr(request, "upload_rejections", None) else 400)
    if _wants_json(request):
        return JsonResponse({"tracks": accepted, "errors": errors}, status=status)
    for item in accepted:
        messages.success(request, f"Added “{item['title']}”." if item["created"]
                         else f"“{item['title']}” is already in your library.")
    for error in errors:
        messages.error(request, f"{error['file']}: {error['message']}" if error["file"] else error["message"])
    return redirect("library")


@require_POST
def track_delete(request: HttpRequest, track_id) -> HttpResponse:
    track = selectors.track_get(owner=request.user, track_id=track_id)
    title = track.title
    services.track_delete(track=track)
    if _wants_json(request):
        return JsonResponse({"deleted": str(track_id)})
    messages.success(request, f"Deleted “{title}”.")
    return redirect("library")


@require_GET
def track_cover(request: HttpRequest, track_id) -> HttpResponse:
    track = selectors.track_get(owner=request.user, track_id=track_id)
    if not track.cover_path:
        response = HttpResponse(placeholder_svg(track.title), content_type="image/svg+xml")
    else:
        response = ranged_file_response(request, uploads_path(track.cover_path), content_type=track.cover_mime)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_GET
def track_original(request: HttpRequest, track_id) -> HttpResponse:
    track = selectors.track_get(owner=request.user, track_id=track_id)
    return ranged_file_response(request, uploads_path(track.file_path))


@require_GET
def stem_file(request: HttpRequest, job_id, file_name: str) -> HttpResponse:
    stem = selectors.stem_by_file(owner=request.user, job_id=job_id, file_name=file_name)
    return ranged_file_response(request, uploads_path(stem.file_path))


@require_GET
def stem_export(request: HttpRequest, stem_id) -> HttpResponse:
    stem = selectors.stem_get(owner=request.user, stem_id=stem_id)
    name = f"{slugify(stem.job.track.title) or 'track'}-{stem.stem_type}.{stem.format}"
    return ranged_file_response(request, uploads_path(stem.file_path), download_name=name)


@require_GET
def stems_zip(request: HttpRequest, track_id) -> HttpResponse:
    track, stems = selectors.latest_stems(owner=request.user, track_id=track_id)
    base = slugify(track.title) or "track"
    files = [(f"{base}/{stem.file_name}", uploads_path(stem.file_path)) for stem in stems]
    response = StreamingHttpResponse(iterate_in_thread(zip_stream(files)), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{base}-stems.zip"'
    return response
