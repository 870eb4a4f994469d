"""What the library and studio pages embed for their scripts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from audio.engines.registry import all_engines
from audio.models import Track
from jobs.payloads import job_payload
from jobs.preview import PREVIEW_SECONDS
from jobs.routing import EVENTS_PATH
from jobs.selectors import latest_jobs_by_track
from preferences.services import separation_defaults

# The library's sort menu: an ordering of audio.selectors.TRACK_ORDERINGS and its label, one per line.
TRACK_SORTS = [
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("bpm", "Tempo, slowest first"),
    ("-bpm", "Tempo, fastest first"),
    ("key", "Key (Camelot wheel)"),
]


def page_urls() -> dict[str, str]:
    """The addresses a page's script talks to: jobs are created and followed through the API."""
    return {"jobs": reverse("api-jobs"), "events": f"/{EVENTS_PATH}"}


def library_data(*, user: AbstractBaseUser, tracks: list[Track]) -> dict:
    """The newest job of each track, every engine's models with their stems, the user's defaults."""
    latest = latest_jobs_by_track(user=user, track_ids=[track.id for track in tracks])
    return {
        "jobs": {str(track_id): job_payload(job) for track_id, job in latest.items()},
        "catalog": {engine.name: {"label": engine.label, "models": engine.models()} for engine in all_engines()},
        "defaults": separation_defaults(user=user),
        "preview_seconds": PREVIEW_SECONDS,
        "urls": page_urls(),
    }
