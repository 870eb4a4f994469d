"""The mix download, for the studio page's form and for scripts (POST /api/jobs/<id>/mix/).

Rendering reads every stem and writes large temporary files, so renders run in
a pool of their own, MIX_RENDER_WORKERS at a time with as many again waiting; a
request beyond that is refused (MixBusy, 503) rather than queued without end,
and file downloads never wait behind mixes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from audio.http.streaming import iterate_in_thread
from audio.mixdown import MixRejected, RenderedMix, mix_gains, mix_render
from jobs import selectors
from jobs.models import JobStatus, ProcessingJob
from jobs.stems import stem_paths

BUSY_RETRY_SECONDS = 10


class MixBusy(Exception):
    """Every render slot is taken; ``message`` is for the user."""

    message = "The server is rendering as many mixes as it can; try again in a few seconds."


class MixNotReady(Exception):
    def __init__(self, job: ProcessingJob):
        super().__init__(job.pk)
        self.message = f"This separation is {job.get_status_display().lower()}; only a finished one can be mixed."


class RenderPool:
    """A thread pool that refuses work beyond its workers plus as many waiting."""

    def __init__(self, workers: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mix-render")
        self.slots = threading.BoundedSemaphore(2 * workers)

    def submit(self, **kwargs) -> Future[RenderedMix]:
        """Render a mix (mix_render's arguments); raises MixBusy when the pool is full."""
        if not self.slots.acquire(blocking=False):
            raise MixBusy()
        future = self.executor.submit(mix_render, **kwargs)
        future.add_done_callback(lambda _: self.slots.release())
        return future


@functools.cache
def render_pool() -> RenderPool:
    return RenderPool(settings.MIX_RENDER_WORKERS)


def _gains_of(body: object) -> Mapping[str, object]:
    """Gains as sent: stem -> gain, bare or under "gains"."""
    gains = body.get("gains", body) if isinstance(body, Mapping) else None
    if not isinstance(gains, Mapping):
        raise MixRejected('Send the gains as a JSON object, e.g. {"vocals": 0.5}.')
    return gains


def mix_start(*, user: AbstractBaseUser, job_id, requested: object) -> tuple[ProcessingJob, Future]:
    """Start rendering the user's completed job with the requested gains (a JSON body or form fields).

    Raises Http404 (not theirs), MixNotReady, MixRejected (bad gains), MixBusy.
    """
    job = selectors.job_get(user=user, job_id=job_id)
    if job.status != JobStatus.COMPLETED:
        raise MixNotReady(job)
    stems: dict[str, Path] = stem_paths(job=job)
    gains = mix_gains(requested=_gains_of(requested), stem_types=sorted(stems))
    return job, render_pool().submit(stems=stems, gains=gains)


def mix_response(job: ProcessingJob, mix: RenderedMix) -> StreamingHttpResponse:
    """The rendered WAV as an attachment, with its peak and any gain reduction in headers."""
    name = f"{slugify(job.track.title) or 'track'}-mix.wav"
    response = StreamingHttpResponse(iterate_in_thread(mix.chunks()), content_type="audio/wav")
    response["Content-Length"] = str(mix.size)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Mix-Peak-dBFS"] = f"{mix.peak_dbfs:.2f}"
    response["X-Mix-Gain-Reduction-dB"] = f"{mix.gain_reduction_db:.2f}"
    return response
