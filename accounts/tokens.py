"""API tokens: trading a password for one, and letting it open the plain file URLs."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from audio.http.errors import ApiError


class TokenCreateView(ObtainAuthToken):
    """Trade a username and password for the user's API token."""

    authentication_classes = ()

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(ApiError, description="Wrong username or password."),
        },
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
