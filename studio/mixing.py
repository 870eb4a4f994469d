"""The mix download, for the studio page's form and for scripts (POST /api/jobs/<id>/mix/).

A render is the mix (audio.mixdown: the stems times their gains), then the practice
stage (audio.practice: speed, pitch and the file format asked for).

The mix streams: its length and peak are found first (audio.mixdown.mix_plan: from
the stems' own peaks when they show the mix cannot clip, else by reading the
stems once, with no disk and flat memory), then the response starts and the mix
is computed and encoded block by block as the client takes it (audio.encoders),
so a three-hour mix needs no temporary file. Only a
change of speed or pitch renders to temporary files first (Rubber Band's peak is
known only at the end). First passes run in a pool of their own,
MIX_RENDER_WORKERS at a time, so file downloads never wait behind them; at most
twice that many mixes are under way (first pass or download), and one per user
at a time: beyond that a request is refused (MixBusy) rather than queued without
end. A mix ends when its download does, or as soon as its client goes away.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from audio.encoders import STREAMS, EncodingRefused, wav_size
from audio.http.streaming import ClosingStream
from audio.mixdown import MixRejected, mix_gains, mix_pcm, mix_plan, mix_render
from audio.practice import PRACTICE_FIELDS, Practice, practice_apply, practice_parse
from audio.storage import StorageFailed, local_copy
from audio.waveforms import waveforms_peak_bounds
from jobs import selectors
from jobs.models import JobStatus, ProcessingJob
from jobs.stems import job_waveforms, stem_names

BUSY_RETRY_SECONDS = 10


class MixBusy(Exception):
    """Every render slot is taken, or the user's own mix is still under way; ``message`` is for the user."""

    def __init__(self, *, own: bool = False):
        super().__init__()
        self.own = own
        self.message = (
            "Your previous mix is still being prepared or downloaded; let it finish (or cancel it) and try again."
            if own
            else "The server is rendering as many mixes as it can; try again in a few seconds."
        )


class MixNotReady(Exception):
    def __init__(self, job: ProcessingJob):
        super().__init__(job.pk)
        self.message = f"This separation is {job.get_status_display().lower()}; only a finished one can be mixed."


@dataclass
class MixDownload:
    """A mix whose headers are known and whose bytes are made as they are taken."""

    chunks: Iterator[bytes]
    size: int | None  # None when only the end of the encoding tells (FLAC, MP3)
    peak_dbfs: float
    gain_reduction_db: float
    on_close: Callable[[], None] = lambda: None  # frees its render slot

    def close(self) -> None:
        self.on_close()


class RenderPool:
    """First passes in a thread pool; a bounded number of mixes under way, one per user."""

    def __init__(self, workers: int):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mix-render")
        self.limit = 2 * workers
        self.users: set[object] = set()
        self.lock = threading.Lock()

    def submit(self, *, user_id: object, **kwargs) -> Rendering:
        """Start a render (render's arguments but ``stop``); its slot is held until the mix is
        closed (``mix_response``) or fails. Raises MixBusy when the pool or the user is busy."""
        with self.lock:
            if user_id in self.users:
                raise MixBusy(own=True)
            if len(self.users) >= self.limit:
                raise MixBusy()
            self.users.add(user_id)
        stop = threading.Event()
        return Rendering(self.executor.submit(_Slot(self, user_id).render, stop=stop, **kwargs), stop)


@dataclass(frozen=True)
class Rendering:
    """A render under way: ``future`` gives the MixDownload; setting ``stop`` ends its first pass."""

    future: Future[MixDownload]
    stop: threading.Event


class _Slot:
    """One user's place in the pool, freed once (a later mix of theirs has a slot of its own)."""

    def __init__(self, pool: RenderPool, user_id: object):
        self.pool, self.user_id, self.freed = pool, user_id, False

    def render(self, **kwargs) -> MixDownload:
        try:
            mix = render(**kwargs)
        except BaseException:
            self.free()
            raise
        mix.on_close = self.free
        weakref.finalize(mix, self.free)  # a mix dropped unsent (its request gone) frees its slot too
        return mix

    def free(self) -> None:
        with self.pool.lock:
            if not self.freed:
                self.freed = True
                self.pool.users.discard(self.user_id)


def render(
    *,
    stems: dict[str, str],
    gains: dict[str, float],
    practice: Practice = Practice(),
    peak_bounds: dict[str, float] | None = None,
    stop: threading.Event,
) -> MixDownload:
    """The mix of the stored ``stems`` (stem -> stored name; those with a gain are read): its
    first pass if it needs one (stopped when ``stop`` is set); its bytes come when ``chunks``
    are read. The stems stay readable on this machine (a bucket's are copied to scratch) until
    the chunks are closed. Raises MixRejected.
    """
    copies = contextlib.ExitStack()
    try:
        files = {name: copies.enter_context(local_copy(stored)) for name, stored in stems.items() if gains.get(name)}
        mix = _render_files(stems=files, gains=gains, practice=practice, peak_bounds=peak_bounds, stop=stop)
    except StorageFailed as exc:
        copies.close()
        raise MixRejected("A stem file could not be read, so the mix could not be rendered.") from exc
    except BaseException:
        copies.close()
        raise
    mix.chunks = _closing(mix.chunks, copies)
    return mix


def _closing(chunks: Iterator[bytes], copies: contextlib.ExitStack) -> Iterator[bytes]:
    """``chunks``, then the stems' local copies removed (also when the download stops early)."""
    with copies:
        yield from chunks


def _render_files(
    *,
    stems: dict[str, Path],
    gains: dict[str, float],
    practice: Practice,
    peak_bounds: dict[str, float] | None,
    stop: threading.Event,
) -> MixDownload:
    if practice.changes_sound:
        mix = practice_apply(mix_render(stems=stems, gains=gains, stop=stop), practice)
        return MixDownload(mix.chunks(), mix.size, mix.peak_dbfs, mix.gain_reduction_db)
    plan = mix_plan(stems=stems, gains=gains, peak_bounds=peak_bounds, stop=stop)
    try:
        chunks = STREAMS[practice.format](mix_pcm(plan), rate=plan.samplerate, frames=plan.frames)
    except EncodingRefused as exc:
        raise MixRejected(str(exc)) from exc
    size = wav_size(plan.frames) if practice.format == "wav" else None
    return MixDownload(chunks, size, plan.peak_dbfs, plan.gain_reduction_db)


@functools.cache
def render_pool() -> RenderPool:
    return RenderPool(settings.MIX_RENDER_WORKERS)


def _gains_of(body: object) -> Mapping[str, object]:
    """Gains as sent: stem -> gain, bare or under "gains" (the practice fields set apart)."""
    gains = body.get("gains", body) if isinstance(body, Mapping) else None
    if not isinstance(gains, Mapping):
        raise MixRejected('Send the gains as a JSON object, e.g. {"vocals": 0.5}.')
    return {name: value for name, value in gains.items() if name not in PRACTICE_FIELDS}


def mix_start(*, user: AbstractBaseUser, job_id, requested: object) -> tuple[ProcessingJob, Practice, Rendering]:
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
    waveforms = job_waveforms(job=job)
    bounds = waveforms_peak_bounds(waveforms) if waveforms else None
    return (
        job,
        practice,
        render_pool().submit(user_id=user.pk, stems=stems, gains=gains, practice=practice, peak_bounds=bounds),
    )


def mix_response(job: ProcessingJob, mix: MixDownload, practice: Practice) -> StreamingHttpResponse:
    """The mix as an attachment, made as it is sent, with its peak and any gain reduction in headers."""
    name = f"{slugify(job.track.title) or 'track'}-mix.{practice.format}"
    body = ClosingStream(mix.chunks, on_close=mix.close)
    response = StreamingHttpResponse(body, content_type=practice.content_type)
    if mix.size is not None:
        response["Content-Length"] = str(mix.size)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Mix-Peak-dBFS"] = f"{mix.peak_dbfs:.2f}"
    response["X-Mix-Gain-Reduction-dB"] = f"{mix.gain_reduction_db:.2f}"
    return response
