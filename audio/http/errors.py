"""The one JSON shape of every error answer: ``{"detail": "<a sentence>"}``, and for
refused input ``"errors": {"<field>": "<message>"}``.

Plain views answer it with ``error_response``; the JSON API (Django REST
framework) gets it from ``api_exception_handler``, and its schema from
``error_responses``.
"""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

ERROR_MEANINGS = {
    400: "The request was refused; `detail` says why, `errors` names the fields.",
    401: "No valid credentials: log in, or send `Authorization: Token <token>`.",
    403: "Not allowed (a session request without its CSRF token).",
    404: "No such object among yours.",
    409: "Refused in the current state (too many jobs under way, wrong engine).",
    413: "The upload is larger than MAX_UPLOAD_MB, or than the room left in your storage.",
    429: "Too many requests; `Retry-After` says in how many seconds to try again.",
    502: "The engine's service could not be reached or answered an error.",
    503: "Busy or a part is down (the job queue, the file storage); `Retry-After` says when to try again.",
}


class ApiError(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    errors = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Refused fields: field name -> message."
    )


def error_body(detail: str, errors: dict[str, str] | None = None) -> dict:
    return {"detail": detail, **({"errors": errors} if errors else {})}


def error_response(detail: str, *, status: int = 400, errors: dict[str, str] | None = None) -> JsonResponse:
    """A plain view's error answer, in the API's shape."""
    return JsonResponse(error_body(detail, errors), status=status)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an endpoint can give (401 always)."""
    return {code: OpenApiResponse(ApiError, description=ERROR_MEANINGS[code]) for code in sorted({401, *codes})}


def _messages(detail, prefix: str = "") -> dict[str, str]:
    if isinstance(detail, dict):
        found = {}
        for key, value in detail.items():
            found.update(_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(detail, list):
        found = {}
        for value in detail:
            for key, message in _messages(value, prefix).items():
                found[key] = f"{found[key]} {message}" if key in found else message
        return found
    return {prefix or "non_field_errors": str(detail)}


def field_errors_sentence(errors: dict[str, str]) -> str:
    """Refused fields as one readable sentence."""
    return " ".join(
        message if field == "non_field_errors" else f"{field}: {message}" for field, message in errors.items()
    )


def api_exception_handler(exc, context) -> Response | None:
    """DRF's handler, with refused input flattened into one readable sentence."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = _messages(exc.detail)
        response.data = error_body(field_errors_sentence(errors), errors)
    return response
