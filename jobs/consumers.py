"""The websocket that pushes a user's job events to each of their open tabs.

It also joins its session's and its user's account groups, so that a log-out or
a password change closes it (accounts.sockets).
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.sockets import session_group
from accounts.sockets import user_group as account_group
from jobs.progress import user_group

UNAUTHENTICATED = 4401


class JobEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        session = self.scope.get("session")
        self.groups_joined = [user_group(user.pk), account_group(user.pk)]
        if session is not None and session.session_key:
            self.groups_joined.append(session_group(session.session_key))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def account_close(self, event: dict) -> None:
        """The session ended or the password changed: this socket's user must log in again."""
        await self.close(code=UNAUTHENTICATED)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """The socket only sends; anything a client says gets a clear error back."""
        await self.send_json(
            {"type": "error", "message": "This socket only sends job events; use the HTTP API to act on jobs."}
        )

    async def job_progress(self, event: dict) -> None:
        await self.send_json(event)

    async def job_status(self, event: dict) -> None:
        await self.send_json(event)

    async def job_deleted(self, event: dict) -> None:
        await self.send_json(event)
