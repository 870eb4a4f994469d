"""Requests per client and route, bounded: 429 with Retry-After past the rate.

Built on django-ratelimit: a fixed window per client in the shared cache (Redis),
so every web process counts together. Rates are settings ("10/m"); a throttle
counts only the methods that cost (a POST), so pages still load. When the cache
cannot be reached the request goes through and the log says so: a throttle is a
guard, and log-in must not fail because Redis is down.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage
from redis import RedisError

from audio.http.errors import error_response

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address (RATELIMIT_IP_META_KEY); behind a proxy the server takes it from
    X-Forwarded-For (soundforge.web). Clients without one (a test client) count together."""
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _username(group: str, request: HttpRequest) -> str:
    data = getattr(request, "data", None) or request.POST  # a DRF request parses JSON too
    return str(data.get("username", ""))[:150].lower()


@dataclass(frozen=True)
class Throttle:
    """``group``: what is counted together; ``rate_setting``: the setting holding its rate;
    ``key``: whose requests ("ip", "user_or_ip", or a function of the request)."""

    group: str
    rate_setting: str
    key: str | Callable = "ip"
    methods: tuple[str, ...] = ("POST",)
    doing: str = "requests"

    def wait(self, request: HttpRequest) -> int | None:
        """Count this request; the seconds to wait when it is over the rate, else None."""
        try:
            usage = get_usage(
                request,
                group=self.group,
                key=self.key,
                rate=getattr(settings, self.rate_setting),
                method=list(self.methods),
                increment=True,
            )
        except RedisError:
            logger.warning("Throttle %s skipped: the cache does not answer", self.group)
            return None
        if usage is None or not usage["should_limit"]:
            return None
        return max(1, usage["time_left"])


SIGNUP = Throttle("signup", "RATE_SIGNUP", doing="sign-ups from your address")
LOGIN = Throttle("login", "RATE_LOGIN", doing="log-in attempts from your address")
LOGIN_PER_USERNAME = Throttle(
    "login-user", "RATE_LOGIN_PER_USERNAME", key=_username, doing="log-in attempts as that user"
)
UPLOAD = Throttle("upload", "RATE_UPLOAD", key="user_or_ip", doing="uploads")
JOB_CREATE = Throttle("job-create", "RATE_JOB_CREATE", key="user_or_ip", doing="new separations")


def too_many(throttle: Throttle, wait: int) -> HttpResponse:
    minutes = f"{wait // 60 + 1} minutes" if wait > 90 else f"{wait} seconds"
    response = error_response(f"Too many {throttle.doing}; try again in {minutes}.", status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled(*throttles: Throttle):
    """View decorator (functions; ``method_decorator`` for classes): the first throttle
    over its rate answers 429; every throttle counts the request."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            waits = [(throttle, throttle.wait(request)) for throttle in throttles]
            for throttle, wait in waits:
                if wait is not None:
                    return too_many(throttle, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
