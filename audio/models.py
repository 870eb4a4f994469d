import hashlib
import uuid

from django.conf import settings
from django.db import models

from audio.keys import camelot


class Track(models.Model):
    """An uploaded original in a user's library.

    Its files are stored as ``tracks/<id>/`` (audio.storage): ``original.<extension>``
    and, when the file carried art, ``cover.<ext>``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracks")
    title = models.CharField(max_length=300)
    artist = models.CharField(max_length=300, blank=True)
    album = models.CharField(max_length=300, blank=True)
    original_filename = models.CharField(max_length=255, help_text="As the client sent it; display only.")
    extension = models.CharField(max_length=8)
    codec = models.CharField(max_length=32)
    content_sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    duration_seconds = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField()
    cover_path = models.CharField(max_length=100, blank=True)
    cover_mime = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Tempo and key, measured in the background after upload (audio.analysis) or set by hand;
    # empty where the measurement was unsure. analysed_at: when it was tried, whatever came of it.
    bpm = models.FloatField(null=True, blank=True)
    key = models.CharField(max_length=16, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "content_sha256"], name="one_track_per_file_per_user"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def folder(self) -> str:
        return f"tracks/{self.id}"

    @property
    def file_path(self) -> str:
        return f"{self.folder}/original.{self.extension}"

    @property
    def cover_version(self) -> str:
        """Changes whenever the cover does (a new picture, or a new title for a generated one):
        cover URLs carry it, so browsers may cache each version for long."""
        return hashlib.sha256(f"{self.cover_path}|{self.title}".encode()).hexdigest()[:10]

    @property
    def key_camelot(self) -> str:
        return camelot(self.key)
