"""Closing a user's open websockets when their session ends or their password changes.

Every socket joins two groups when it connects: its session's and its user's. An
``account.close`` event sent to either makes each socket in it close (4401).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)
CLOSE_EVENT = "account.close"


def session_group(session_key: str) -> str:
    return f"account.session.{session_key}"


def user_group(user_id) -> str:
    return f"account.user.{user_id}"


def sockets_close(*, group: str) -> None:
    """Ask every socket in ``group`` to close; a channel layer that is down is logged, not raised."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": CLOSE_EVENT})
    except Exception:  # the account change itself must stand even with Redis down
        logger.exception("Could not close the websockets of %s", group)
