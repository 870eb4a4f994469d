"""The lalal.ai licence key: how it is chosen and how it is named in logs.

The key itself never leaves this package except in the ``X-License-Key``
header; logs, Redis keys and registries use its fingerprint instead.
"""

from __future__ import annotations

import hashlib

from audio.engines.base import EngineAuthError

NO_KEY_MESSAGE = (
    "No lalal.ai licence key is set. Add your key on the Settings page, "
    "or ask the administrator to give this installation one."
)


def key_fingerprint(license_key: str) -> str:
    """A short, one-way name for a licence key (safe for logs and Redis)."""
    return hashlib.sha256(license_key.encode("utf-8")).hexdigest()[:16]


def resolve_license_key(user_key: str | None, system_key: str | None) -> str:
    """The user's own key, else the installation's key.

    Raises ``EngineAuthError`` when neither is set.
    """
    for candidate in (user_key, system_key):
        if candidate and candidate.strip():
            return candidate.strip()
    raise EngineAuthError(NO_KEY_MESSAGE)
