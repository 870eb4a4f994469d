"""The library page (tracks and their separations), uploads, deletes, and stem downloads."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST, require_safe

from audio import selectors as audio_selectors
from audio import services as audio_services
from audio.decoding import AudioRejected
from audio.http.errors import error_body
from audio.http.files import download_response
from audio.http.streaming import ClosingStream
from audio.http.throttling import UPLOAD, throttled
from audio.http.zipstream import zip_stream
from audio.storage import StorageFailed
from jobs import downloads, selectors, stems, storage
from jobs.forms import LibraryFilterForm
from jobs.pages import library_data, separate_form

LIBRARY_PAGE_SIZE = 48


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    search = LibraryFilterForm(request.GET)
    found = selectors.library_tracks(user=request.user, **search.wanted())
    page = Paginator(found, LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    tracks = list(page)
    return render(
        request,
        "jobs/library.html",
        {
            "tracks": tracks,
            "page": page,
            "search": search,
            "searching": any(request.GET.get(name) for name in ("q", "separated")),
            "max_upload_mb": settings.MAX_UPLOAD_MB,
            "max_track_minutes": settings.MAX_TRACK_SECONDS // 60,
            "separate_form": separate_form(user=request.user),
            "page_data": library_data(user=request.user, tracks=tracks),
        },
    )


@require_POST
@throttled(UPLOAD)
def track_upload(request: HttpRequest) -> HttpResponse:
    """Take one or many files from the `file` field; report each one's fate."""
    uploads = request.FILES.getlist("file")
    errors = dict(getattr(request, "upload_rejections", []))
    accepted, too_large, unavailable = [], bool(errors), False
    for upload in uploads:
        try:
            track, created = storage.track_add(owner=request.user, upload=upload)
        except (AudioRejected, audio_services.NoRoom, StorageFailed) as exc:
            errors[audio_services.display_name(upload.name)] = exc.message
            too_large |= isinstance(exc, audio_services.NoRoom)
            unavailable |= isinstance(exc, StorageFailed)
            continue
        accepted.append(
            {
                "id": str(track.id),
                "title": track.title,
                "created": created,
                "card_html": render_to_string("jobs/_track_card.html", {"track": track}, request),
            }
        )
    if not uploads and not errors:
        errors[""] = "Choose at least one audio file to upload."
    status = 200 if accepted else (413 if too_large else 503 if unavailable else 400)
    if _wants_json(request):
        body = {"tracks": accepted}
        if errors:
            body.update(
                error_body(
                    " ".join(f"{name}: {message}" if name else message for name, message in errors.items()), errors
                )
            )
        return JsonResponse(body, status=status)
    for item in accepted:
        messages.success(
            request,
            f"Added “{item['title']}”." if item["created"] else f"“{item['title']}” is already in your library.",
        )
    for name, message in errors.items():
        messages.error(request, f"{name}: {message}" if name else message)
    return redirect("library")


@require_POST
def track_delete(request: HttpRequest, track_id) -> HttpResponse:
    track = audio_selectors.track_get(owner=request.user, track_id=track_id)
    title = track.title
    stems.track_delete(track=track)
    if _wants_json(request):
        return JsonResponse({"deleted": str(track_id)})
    messages.success(request, f"Deleted “{title}”.")
    return redirect("library")


@require_safe
def stem_file(request: HttpRequest, job_id, file_name: str) -> HttpResponse:
    stem = selectors.stem_by_file(owner=request.user, job_id=job_id, file_name=file_name)
    return download_response(request, stem.file_path)


@require_safe
def stem_export(request: HttpRequest, stem_id) -> HttpResponse:
    stem = selectors.stem_get(owner=request.user, stem_id=stem_id)
    return download_response(request, stem.file_path, download_name=downloads.stem_download_name(stem))


@require_safe
def stems_zip(request: HttpRequest, track_id) -> HttpResponse:
    """The track's newest finished separation (full runs before previews), as a ZIP."""
    track = audio_selectors.track_get(owner=request.user, track_id=track_id)
    latest = selectors.latest_stems(owner=request.user, track=track)
    return _zip_response(request, latest[0].job, latest)


@require_safe
def job_zip(request: HttpRequest, job_id) -> HttpResponse:
    """This separation's stems, as a ZIP."""
    job = selectors.completed_job_get(user=request.user, job_id=job_id)
    return _zip_response(request, job, list(job.stems.all()))


def _zip_response(request: HttpRequest, job, stem_rows) -> HttpResponse:
    name, files = downloads.zip_entries(job=job, stems=stem_rows)
    if request.method == "HEAD":  # what a GET would send, without building the archive
        response = HttpResponse(content_type="application/zip")
    else:
        response = StreamingHttpResponse(ClosingStream(zip_stream(files)), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
