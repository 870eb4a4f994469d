"""What the library and studio pages embed for their scripts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from audio.engines.registry import get_engine
from audio.models import Track
from jobs.forms import SeparateForm
from jobs.payloads import job_payload
from jobs.preview import PREVIEW_SECONDS
from jobs.routing import EVENTS_PATH
from jobs.selectors import jobs_by_track, unfinished_jobs
from preferences.services import models_catalog, separation_defaults


def page_urls() -> dict[str, str]:
    """The addresses a page's script talks to: jobs are created and followed through the API."""
    return {"jobs": reverse("api-jobs"), "batch": reverse("api-jobs-batch"), "events": f"/{EVENTS_PATH}"}


def separate_form(*, user: AbstractBaseUser) -> SeparateForm:
    """The Separate Stems form with the user's defaults as its initial values, each model
    labelled with whether it can run here."""
    defaults = separation_defaults(user=user)
    return SeparateForm(
        initial={**defaults, "stems": defaults["stems_mode"]}, auto_id="sep-%s", catalog=models_catalog(user=user)
    )


def engine_catalog(*, user: AbstractBaseUser) -> dict:
    """Engine name -> its label, default model, models (stems, state, note) and, for an engine
    billed by the minute, where to ask what a job costs, for the Separate Stems dialog's script."""
    return {
        engine["name"]: {
            "label": engine["label"],
            "default": next(model["name"] for model in engine["models"] if model["default"]),
            "models": {model["name"]: model for model in engine["models"]},
            "quota_url": reverse("api-engine-quota", args=[engine["name"]])
            if get_engine(engine["name"]).account
            else None,
        }
        for engine in models_catalog(user=user)
    }


def library_data(*, user: AbstractBaseUser, tracks: list[Track]) -> dict:
    """Every job of the tracks shown and every unfinished job of the user's (the queue), every
    engine's models with their stems, the user's defaults."""
    found = jobs_by_track(user=user, track_ids=[track.id for track in tracks])
    shown = {job.id: job for jobs in found.values() for job in jobs}
    for job in unfinished_jobs(user=user):
        shown.setdefault(job.id, job)
    return {
        "jobs": [job_payload(job) for job in shown.values()],
        "catalog": engine_catalog(user=user),
        "defaults": separation_defaults(user=user),
        "preview_seconds": PREVIEW_SECONDS,
        "urls": page_urls(),
    }
