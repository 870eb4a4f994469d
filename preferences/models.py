from django.conf import settings
from django.db import models


class UserPreferences(models.Model):
    """A user's separation defaults and each engine's own choices; read through
    preferences.services.

    ``engine_values``: engine name -> {preference name: value} (see each engine's
    ``preferences``); ``secrets``: engine name -> {preference name: encrypted value}
    (preferences.secret_box). A value not stored yet is the preference's default.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preferences"
    )
    engine = models.CharField(max_length=20, default="local")
    stems_mode = models.CharField(max_length=10, default="all")
    output_format = models.CharField(max_length=8, default="wav")
    sample_rate = models.CharField(max_length=6, default="44100")
    normalise = models.BooleanField(default=False)
    engine_values = models.JSONField(default=dict, blank=True)
    secrets = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
