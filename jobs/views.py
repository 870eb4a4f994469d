"""Job actions from the library page: start a separation, cancel, read a job."""
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from audio.selectors import track_get
from jobs import selectors, services
from jobs.forms import SeparateForm
from jobs.payloads import job_payload
from jobs.user_settings import separation_options


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def job_create(request: HttpRequest, track_id) -> HttpResponse:
    track = track_get(owner=request.user, track_id=track_id)
    form = SeparateForm(request.POST)
    if not form.is_valid():
        message = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return JsonResponse({"error": message}, status=400) if _wants_json(request) else _back(request, message)
    try:
        options = separation_options(user=request.user, engine=form.cleaned_data["engine"])
        job = services.job_create(user=request.user, track=track, options=options, **form.cleaned_data)
    except services.JobRejected as exc:
        status = 409 if isinstance(exc, services.JobLimitReached) else 400
        return JsonResponse({"error": exc.message}, status=status) if _wants_json(request) else _back(request, exc.message)
    if _wants_json(request):
        return JsonResponse({"job": job_payload(job)}, status=201 if job.status == "queued" else 200)
    messages.success(request, f"Separation of “{track.title}” is {job.status}.")
    return redirect("library")


def _back(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("library")


@require_POST
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    cancelled = services.job_cancel(job=job)
    job.refresh_from_db()
    if _wants_json(request):
        return JsonResponse({"cancelled": cancelled, "job": job_payload(job)})
    messages.info(request, "Cancelled." if cancelled else f"The job had already {job.status}.")
    return redirect("library")


@require_GET
def job_detail(request: HttpRequest, job_id) -> JsonResponse:
    return JsonResponse({"job": job_payload(selectors.job_get(user=request.user, job_id=job_id))})
