from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A user's API token (``Authorization: Token <key>``); read through accounts.services.

    It is good for TOKEN_TTL_DAYS from ``created_at`` and only while the user keeps
    the password it was issued under (``password_digest``), so a password change,
    wherever it is made, revokes it.
    """

    key = models.CharField(max_length=40, primary_key=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    created_at = models.DateTimeField()
    password_digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"API token of {self.user_id}"
