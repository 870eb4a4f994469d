"""The studio: a track's page with its jobs, the stem mixer, the report, and the mix download."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from audio.http.errors import error_response
from audio.http.streaming import iterate_in_thread
from audio.mixdown import MixRejected, mix_gains, mix_render
from audio.selectors import track_get
from jobs import selectors
from jobs.models import JobStatus, ProcessingJob
from jobs.pages import page_urls
from jobs.payloads import job_payload
from jobs.stems import job_waveforms, stem_paths
from studio import report


@require_GET
def track_studio(request: HttpRequest, track_id) -> HttpResponse:
    track = track_get(owner=request.user, track_id=track_id)
    jobs = selectors.jobs_of_track(user=request.user, track=track)
    job = report.job_pick(jobs=jobs, requested=request.GET.get("job"))
    waveforms = job_waveforms(job=job) if job else None
    levels = report.stem_levels(waveforms=waveforms)
    page_data = {"jobs": [job_payload(item) for item in jobs], "urls": page_urls(), "mixer": None}
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
        },
    )


@require_POST
async def job_mix(request: HttpRequest, job_id) -> HttpResponse:
    """The completed job's stems summed with the posted gains, as a WAV attachment.

    Gains come as a JSON object (``{"vocals": 0.5}`` or ``{"gains": {...}}``) or as
    form fields named by stem type; a stem not named keeps gain 1. Async, so that
    rendering (seconds for a long track) runs in a thread of its own instead of
    the one thread that all synchronous views share under ASGI.
    """
    job, stems = await sync_to_async(_job_with_stems)(request, job_id)
    if job.status != JobStatus.COMPLETED:
        return error_response(
            f"This separation is {job.get_status_display().lower()}; only a finished one can be mixed.", status=409
        )
    try:
        gains = mix_gains(requested=_requested_gains(request), stem_types=sorted(stems))
        mix = await asyncio.to_thread(mix_render, stems=stems, gains=gains)
    except MixRejected as exc:
        return error_response(exc.message)
    name = f"{slugify(job.track.title) or 'track'}-mix.wav"
    response = StreamingHttpResponse(iterate_in_thread(mix.chunks()), content_type="audio/wav")
    response["Content-Length"] = str(mix.size)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Mix-Peak-dBFS"] = f"{mix.peak_dbfs:.2f}"
    response["X-Mix-Gain-Reduction-dB"] = f"{mix.gain_reduction_db:.2f}"
    return response


def _job_with_stems(request: HttpRequest, job_id) -> tuple[ProcessingJob, dict[str, Path]]:
    job = selectors.job_get(user=request.user, job_id=job_id)
    return job, stem_paths(job=job)


def _requested_gains(request: HttpRequest) -> Mapping[str, object]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise MixRejected("The request body is not valid JSON.") from exc
        gains = body.get("gains", body) if isinstance(body, dict) else None
        if not isinstance(gains, dict):
            raise MixRejected('Send the gains as a JSON object, e.g. {"vocals": 0.5}.')
        return gains
    return {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
