import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from live.separator import SETTINGS, STEMS, setting_for

STEM_LABELS = {"vocals": "Vocals", "accompaniment": "Instrumental"}


@require_GET
def live_page(request: HttpRequest) -> HttpResponse:
    """The Live page: a track, a file or the microphone through ws/live/ (signed-in users; the middleware)."""
    # Rounded up: asking for a setting's own latency must give that setting.
    latencies = [math.ceil(setting.latency_ms) for setting in SETTINGS]
    page_data = {
        "tracks_url": reverse("api-tracks"),
        "latencies": latencies,
        "default_latency": math.ceil(setting_for(None).latency_ms),
        "stems": list(STEMS),
        # latency_samples (as `ready` says) -> how late the setting's output may come: the player's buffer
        "deadlines": {setting.latency_samples: setting.deadline_samples for setting in SETTINGS},
    }
    stems = [(stem, STEM_LABELS[stem]) for stem in STEMS]
    return render(request, "live/live.html", {"page_data": page_data, "latencies": latencies, "stems": stems})
