"""The mix download, for the studio page's form and for scripts (POST /api/jobs/<id>/mix/).

A render is the mix (audio.mixdown: the stems times their gains), then the practice
stage (audio.practice: speed, pitch and the file format asked for).

Rendering reads every stem and writes large temporary files, so renders run in
a pool of their own, MIX_RENDER_WORKERS at a time with as many again waiting; a
request beyond that is refused (MixBusy, 503) rather than queued without end,
and file downloads never wait behind mixes.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from audio.http.streaming import iterate_in_thread
from audio.mixdown import MixRejected, RenderedMix, mix_gains, mix_render
from audio.practice import PRACTICE_FIELDS, Practice, practice_apply, practice_parse
from audio.storage import StorageFailed, local_copy
from jobs import selectors
from jobs.models import JobStatus, ProcessingJob
from jobs.stems import stem_names

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
        """Render a mix (render's arguments); raises MixBusy when the pool is full."""
        if not self.slots.acquire(blocking=False):
            raise MixBusy()
        future = self.executor.submit(render, **kwargs)
        future.add_done_callback(lambda _: self.slots.release())
        return future


def render(*, stems: dict[str, str], gains: dict[str, float], practice: Practice = Practice()) -> RenderedMix:
    """The mix of the stored ``stems`` (stem -> stored name; those with a gain are read), then its
    practice speed, pitch and format. Raises MixRejected."""
    try:
        with contextlib.ExitStack() as copies:
            audible = {name: stored for name, stored in stems.items() if gains.get(name)}
            files = {name: copies.enter_context(local_copy(stored)) for name, stored in audible.items()}
            mixed = mix_render(stems=files, gains=gains)
    except StorageFailed as exc:
        raise MixRejected("A stem file could not be read, so the mix could not be rendered.") from exc
    return practice_apply(mixed, practice)


@functools.cache
def render_pool() -> RenderPool:
    return RenderPool(settings.MIX_RENDER_WORKERS)


def _gains_of(body: object) -> Mapping[str, object]:
    """Gains as sent: stem -> gain, bare or under "gains" (the practice fields set apart)."""
    gains = body.get("gains", body) if isinstance(body, Mapping) else None
    if not isinstance(gains, Mapping):
        raise MixRejected('Send the gains as a JSON object, e.g. {"vocals": 0.5}.')
    return {name: value for name, value in gains.items() if name not in PRACTICE_FIELDS}


def mix_start(*, user: AbstractBaseUser, job_id, requested: object) -> tuple[ProcessingJob, Practice, Future]:
    """Start rendering the user's completed job with the requested gains and practice fields
    (a JSON body or form fields).

    Raises Http404 (not theirs), MixNotReady, MixRejected (bad gains, speed, pitch or format), MixBusy.
    """
    job = selectors.job_get(user=user, job_id=job_id)
    if job.status != JobStatus.COMPLETED:
        raise MixNotReady(job)
    stems = stem_names(job=job)
    gains = mix_gains(requested=_gains_of(requested), stem_types=sorted(stems))
    practice = practice_parse(requested if isinstance(requested, Mapping) else {})
    return job, practice, render_pool().submit(stems=stems, gains=gains, practice=practice)


def mix_response(job: ProcessingJob, mix: RenderedMix, practice: Practice) -> StreamingHttpResponse:
    """The rendered file as an attachment, with its peak and any gain reduction in headers."""
    name = f"{slugify(job.track.title) or 'track'}-mix.{practice.format}"
    response = StreamingHttpResponse(iterate_in_thread(mix.chunks()), content_type=practice.content_type)
    response["Content-Length"] = str(mix.size)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Mix-Peak-dBFS"] = f"{mix.peak_dbfs:.2f}"
    response["X-Mix-Gain-Reduction-dB"] = f"{mix.gain_reduction_db:.2f}"
    return response
