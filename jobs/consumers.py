"""The websocket that pushes a user's job events to each of their open tabs."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from jobs.progress import user_group

UNAUTHENTICATED = 4401


class JobEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """The socket only sends; anything a client says gets a clear error back."""
        await self.send_json(
            {"type": "error", "message": "This socket only sends job events; use the HTTP API to act on jobs."}
        )

    async def job_progress(self, event: dict) -> None:
        await self.send_json(event)

    async def job_status(self, event: dict) -> None:
        await self.send_json(event)
