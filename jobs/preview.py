"""Preview jobs separate an excerpt of PREVIEW_SECONDS: from the first vocals when found, else from the start."""

from __future__ import annotations

import threading
from dataclasses import replace

from audio.engines.base import SeparationRequest
from audio.excerpts import write_excerpt
from audio.vocal_entry import find_vocal_entry
from jobs.models import ProcessingJob

PREVIEW_SECONDS = 60.0


def preview_request(
    *, job: ProcessingJob, request: SeparationRequest, cancel: threading.Event
) -> tuple[SeparationRequest, dict]:
    """The request for the excerpt instead of the whole track, and the facts the
    result reports about it (where it starts and why)."""
    duration = job.track.duration_seconds
    if duration <= PREVIEW_SECONDS:
        return request, {
            "preview_start_seconds": 0.0,
            "preview_seconds": round(duration, 2),
            "preview_from": "whole track",
        }
    folder = request.work_dir / "preview"
    entry = find_vocal_entry(source=request.input_path, duration=duration, work_dir=folder, cancel=cancel)
    start = min(entry, duration - PREVIEW_SECONDS) if entry is not None else 0.0
    excerpt = folder / "excerpt.wav"
    seconds = write_excerpt(request.input_path, excerpt, start=start, seconds=PREVIEW_SECONDS)
    return replace(request, input_path=excerpt, input_seconds=seconds), {
        "preview_start_seconds": round(start, 2),
        "preview_seconds": round(seconds, 2),
        "preview_from": "first vocals" if entry is not None else "start (no vocals found)",
    }
