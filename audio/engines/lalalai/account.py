"""A lalal.ai account as the engine's account capability: minutes left, cancel all, cost."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from audio.engines.lalalai import stems
from audio.engines.lalalai.client import LalalaiClient
from audio.engines.lalalai.keys import resolve_license_key


class LalalaiAccount:
    """``credentials`` is the user's own licence key; None means the installation's."""

    def __init__(self, *, make_client: Callable[[str], LalalaiClient], system_key: str | None):
        self._make_client = make_client
        self._system_key = system_key
        self.has_installation_credentials = bool(system_key and system_key.strip())

    def minutes_left(self, credentials: str | None) -> float:
        """Processing minutes left on the key. Raises EngineAuthError without any key."""
        client = self._make_client(resolve_license_key(credentials, self._system_key))
        try:
            return client.minutes_left()
        finally:
            client.close()

    def cancel_all(self, credentials: str) -> dict[str, bool]:
        """Cancel every running task of the key; task id -> cancelled or not."""
        client = self._make_client(resolve_license_key(credentials, self._system_key))
        try:
            return client.cancel_all()
        finally:
            client.close()

    def cost_minutes(self, *, seconds: float, model: str, stems_mode: str, options: Mapping[str, object]) -> float:
        """lalal.ai bills each stem asked for (not the "rest" track it adds) for the whole
        length of the track."""
        return seconds / 60 * len(stems.asked_stems(model, stems_mode, options))
