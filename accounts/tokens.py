"""API tokens over HTTP: the endpoints to get, rotate and revoke one, the DRF
authentication that checks it, and the middleware that lets it open the file URLs."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import ApiTokenAuthentication
from audio.http.errors import ApiError, error_responses
from audio.http.throttling import LOGIN, LOGIN_PER_USERNAME, throttled

TOKEN = inline_serializer("Token", {"token": serializers.CharField()})


class TokenCreateView(APIView):
    """Trade a username and password for the user's API token; also rotate or revoke it."""

    authentication_classes = (ApiTokenAuthentication,)
    permission_classes = ()

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: TOKEN,
            400: OpenApiResponse(ApiError, description="Wrong username or password."),
            429: OpenApiResponse(ApiError, description="Too many attempts; `Retry-After` says when to try again."),
        },
    )
    @method_decorator(throttled(LOGIN, LOGIN_PER_USERNAME))
    def post(self, request: Request) -> Response:
        form = AuthTokenSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        return Response({"token": services.token_get_or_issue(user=form.validated_data["user"]).key})

    @extend_schema(tags=["auth"], summary="Revoke your API token", responses={204: None, **error_responses()})
    def delete(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise AuthenticationFailed()
        services.token_revoke(user=request.user)
        return Response(status=204)


class TokenRotateView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="A new API token in place of the old one, which stops working at once",
        request=None,
        responses={200: TOKEN, **error_responses(403)},
    )
    def post(self, request: Request) -> Response:
        return Response({"token": services.token_rotate(user=request.user).key})


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
                found = ApiTokenAuthentication().authenticate(request)
            except AuthenticationFailed:
                found = None
            if found is not None:
                request.user = found[0]
        return self.get_response(request)
