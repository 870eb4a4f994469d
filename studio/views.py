"""The studio: a track's page with its jobs, the stem mixer, the report, and the mix download."""

from __future__ import annotations

import asyncio
import json

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audio.http.errors import error_response
from audio.keys import ALL_KEYS
from audio.mixdown import MixRejected
from audio.practice import OUTPUT_FORMATS
from audio.selectors import track_get
from jobs import selectors
from jobs.models import JobStatus
from jobs.pages import engine_catalog, page_urls, separate_form
from jobs.payloads import job_payload
from jobs.stems import job_waveforms
from studio import mixing, report


@require_GET
def track_studio(request: HttpRequest, track_id) -> HttpResponse:
    track = track_get(owner=request.user, track_id=track_id)
    jobs = selectors.jobs_of_track(user=request.user, track=track)
    job = report.job_pick(jobs=jobs, requested=request.GET.get("job"))
    waveforms = job_waveforms(job=job) if job else None
    levels = report.stem_levels(waveforms=waveforms)
    page_data = {
        "jobs": [job_payload(item) for item in jobs],
        "urls": page_urls(),
        "catalog": engine_catalog(user=request.user),
        "mixer": None,
    }
    if job is not None and job.status == JobStatus.COMPLETED:
        page_data["mixer"] = {
            "job": job_payload(job),
            "original_url": reverse("track-original", args=[track.id]),
            "original_offset": report.original_offset(job),
            "waveforms": waveforms,
            "levels": levels,
        }
    return render(
        request,
        "studio/studio.html",
        {
            "track": track,
            "jobs": jobs,
            "job": job,
            "page_data": page_data,
            "report": report.job_report(job=job) if job else [],
            "warnings": report.job_warnings(job=job) if job else [],
            "levels": levels,
            "separate_form": separate_form(user=request.user),
            "mix_formats": [(name, name.upper()) for name in OUTPUT_FORMATS],
            "all_keys": ALL_KEYS,
        },
    )


@require_POST
async def job_mix(request: HttpRequest, job_id) -> HttpResponse:
    """The completed job's stems summed with the posted gains, as an attachment (the page's form).

    Gains come as a JSON object (``{"vocals": 0.5}`` or ``{"gains": {...}}``) or as
    form fields named by stem type; a stem not named keeps gain 1. ``speed``,
    ``semitones`` and ``format`` (audio.practice) come the same way. Scripts use
    POST /api/jobs/<id>/mix/ (studio.api), which answers the same.
    """
    try:
        job, practice, rendering = await sync_to_async(mixing.mix_start)(
            user=request.user, job_id=job_id, requested=_requested_gains(request)
        )
        try:
            mix = await asyncio.wrap_future(rendering.future)
        except asyncio.CancelledError:  # the client went away during the first pass
            rendering.stop.set()
            raise
    except mixing.MixNotReady as exc:
        return error_response(exc.message, status=409)
    except MixRejected as exc:
        return error_response(exc.message)
    except mixing.MixBusy as exc:
        response = error_response(exc.message, status=429 if exc.own else 503)
        response["Retry-After"] = str(mixing.BUSY_RETRY_SECONDS)
        return response
    return mixing.mix_response(job, mix, practice)


def _requested_gains(request: HttpRequest) -> object:
    if request.content_type == "application/json":
        try:
            return json.loads(request.body or b"{}")
        except ValueError as exc:
            raise MixRejected("The request body is not valid JSON.") from exc
    return {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
