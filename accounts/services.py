"""API tokens: issue, rotate, revoke, and check; what a password change or log-out ends.

A token is good for TOKEN_TTL_DAYS and only while its user keeps the password it
was issued under: its row keeps a keyed digest of the password hash, as Django's
sessions do, so any password change (the page, the admin, ``changepassword``)
revokes it.
"""

from __future__ import annotations

import binascii
import logging
import os
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import ApiToken
from accounts.sockets import session_group, sockets_close, user_group

logger = logging.getLogger(__name__)
_DIGEST_SALT = "soundforge.accounts.api-token"


class TokenInvalid(Exception):
    """The token is unknown, expired or revoked; ``message`` is for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def password_digest(password_hash: str, secret: str) -> str:
    """A keyed digest of a password hash: equal only while the password stays the same."""
    return salted_hmac(_DIGEST_SALT, password_hash, secret=secret, algorithm="sha256").hexdigest()


def _matches_password(token: ApiToken) -> bool:
    secrets = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    return any(constant_time_compare(token.password_digest, password_digest(token.user.password, s)) for s in secrets)


def _expired(token: ApiToken) -> bool:
    return token.created_at < timezone.now() - timedelta(days=settings.TOKEN_TTL_DAYS)


def token_user(*, key: str) -> tuple[AbstractBaseUser, ApiToken]:
    """The user a token opens; raises TokenInvalid."""
    token = ApiToken.objects.select_related("user").filter(key=key).first()
    if token is None:
        raise TokenInvalid("Invalid token.")
    if not token.user.is_active:
        raise TokenInvalid("User inactive or deleted.")
    if _expired(token) or not _matches_password(token):
        raise TokenInvalid("This token has expired or was revoked; get a new one from POST /api/auth/token/.")
    return token.user, token


def token_get_or_issue(*, user: AbstractBaseUser) -> ApiToken:
    """The user's token while it is good, else a new one in its place."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").filter(user=user).first()
        if token is not None and not _expired(token) and _matches_password(token):
            return token
        return _issue(user)


def token_rotate(*, user: AbstractBaseUser) -> ApiToken:
    """A new token for the user; the old one stops working at once."""
    with transaction.atomic():
        token = _issue(user)
    logger.info("User %s rotated their API token", user.pk)
    return token


def token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's token; False when they had none."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    logger.info("User %s revoked their API token", user.pk)
    return bool(deleted)


def _issue(user: AbstractBaseUser) -> ApiToken:
    ApiToken.objects.filter(user=user).delete()
    return ApiToken.objects.create(
        key=binascii.hexlify(os.urandom(20)).decode(),
        user=user,
        created_at=timezone.now(),
        password_digest=password_digest(user.password, settings.SECRET_KEY),
    )


def password_changed(*, user: AbstractBaseUser) -> None:
    """After a password change: the token is void already (its digest); close every open socket."""
    sockets_close(group=user_group(user.pk))
    logger.info("User %s changed their password; websockets closed", user.pk)


def session_ended(*, session_key: str | None) -> None:
    """After a log-out: close that session's sockets."""
    if session_key:
        sockets_close(group=session_group(session_key))
