"""The health endpoint for operators and start-up scripts."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from soundforge.health import health_report

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    response = JsonResponse(report, status=200 if report["ok"] else 503)
    if not report["ok"]:
        # A 503 here is an answer, not a server error: `make run` asks until the worker is up, and
        # monitors ask while something is down. Said once in words instead of Django's ERROR line.
        logger.info("Not healthy yet: %s", ", ".join(name for name, up in report.items() if up is False))
        response._has_been_logged = True  # read by django.utils.log.log_response
    return response
