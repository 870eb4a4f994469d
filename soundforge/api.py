"""The JSON API's shared parts: the error body, its schema, and the token endpoint.

Every API error answers ``{"detail": "<a sentence for a person>"}``; refused
input adds ``"errors"``: field -> message.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

ERROR_MEANINGS = {
    400: "The request was refused; `detail` says why, `errors` names the fields.",
    401: "No valid credentials: log in, or send `Authorization: Token <token>`.",
    403: "Not allowed (a session request without its CSRF token).",
    404: "No such object among yours.",
    409: "Refused in the current state (too many jobs under way, wrong engine).",
    413: "The upload is larger than MAX_UPLOAD_MB.",
    502: "lalal.ai could not be reached or answered an error.",
}


class ApiError(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    errors = serializers.DictField(child=serializers.CharField(), required=False,
                                   help_text="Refused fields: field name -> message.")


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


def api_exception_handler(exc, context) -> Response | None:
    """DRF's handler, with refused input flattened into one readable sentence."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = _messages(exc.detail)
        detail = " ".join(message if field == "non_field_errors" else f"{field}: {message}"
                          for field, message in errors.items())
        response.data = {"detail": detail, "errors": errors}
    return response


class TokenCreateView(ObtainAuthToken):
    """Trade a username and password for the user's API token."""

    authentication_classes = ()

    @extend_schema(
        tags=["auth"], auth=[],
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField()}),
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}),
                   400: OpenApiResponse(ApiError, description="Wrong username or password.")},
    )
    def post(self, request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class TokenAuthMiddleware:
    """Lets scripts fetch the file, export and ZIP URLs the API hands out with their token.

    Those are plain views behind LoginRequiredMiddleware; a valid
    ``Authorization: Token`` header logs the request in for them (not a session).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and request.headers.get("Authorization", "").startswith("Token "):
            try:
                found = TokenAuthentication().authenticate(request)
            except AuthenticationFailed:
                found = None
            if found is not None:
                request.user = found[0]
        return self.get_response(request)
