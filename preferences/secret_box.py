"""Encryption at rest for the secrets users hand us (an engine's licence key).

Fernet (AES-128-CBC + HMAC-SHA256) under a key derived with HKDF-SHA256 from
SETTINGS_ENCRYPTION_KEY, or from SECRET_KEY when that is unset, so a fresh
install works and the clear secret never reaches the database. Without
SETTINGS_ENCRYPTION_KEY, secrets saved under a key now in SECRET_KEY_FALLBACKS
still open, so rotating SECRET_KEY the documented way loses nothing.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"soundforge-secret-box"
_INFO = b"user settings secrets v1"


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (the encryption key changed)."""


def _derived(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(material.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    """Encrypts under the first key; decrypts under any."""
    if settings.SETTINGS_ENCRYPTION_KEY:
        return MultiFernet([_derived(settings.SETTINGS_ENCRYPTION_KEY)])
    return MultiFernet([_derived(key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)])


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def secret_decrypt(token: str) -> str:
    """The clear secret; raises SecretUnreadable when ``token`` was made under another key."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable("The saved secret was encrypted under another key.") from exc
