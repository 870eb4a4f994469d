"""What the library page's script needs about jobs, embedded as JSON."""
from django import template
from django.utils.html import json_script

from audio.engines.registry import ENGINE_LABELS, engine_names, get_engine
from jobs.payloads import job_payload
from jobs.selectors import latest_jobs_by_track
from jobs.user_settings import separation_defaults

register = template.Library()


@register.simple_tag
def jobs_page_data(user, tracks) -> str:
    latest = latest_jobs_by_track(user=user, track_ids=[track.id for track in tracks])
    catalog = {name: {"label": ENGINE_LABELS.get(name, name), "models": get_engine(name).models()}
               for name in engine_names()}
    data = {"jobs": {str(track_id): job_payload(job) for track_id, job in latest.items()},
            "catalog": catalog, "defaults": separation_defaults(user=user)}
    return json_script(data, "jobs-data")
