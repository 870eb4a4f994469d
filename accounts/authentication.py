"""The JSON API's token authentication (``Authorization: Token <key>``), checked by
accounts.services: unknown, expired and revoked tokens are refused in words.

Kept apart from the views: DRF imports authentication classes while its own views load.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts import services


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        try:
            return services.token_user(key=key)
        except services.TokenInvalid as exc:
            raise AuthenticationFailed(exc.message) from exc
