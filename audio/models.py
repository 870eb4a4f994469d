import uuid

from django.conf import settings
from django.db import models


class Track(models.Model):
    """An uploaded original in a user's library.

    Its files live in ``tracks/<id>/`` under UPLOADS_DIR: ``original.<extension>``
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


class Stem(models.Model):
    """One separated source of a job, stored at ``stems/<job id>/<stem type>.<format>``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey("jobs.ProcessingJob", on_delete=models.CASCADE, related_name="stems")
    stem_type = models.CharField(max_length=40)
    format = models.CharField(max_length=8)
    duration_seconds = models.FloatField()
    size_bytes = models.BigIntegerField()
    file_path = models.CharField(max_length=200, help_text="Relative to UPLOADS_DIR.")

    class Meta:
        ordering = ["stem_type"]
        constraints = [models.UniqueConstraint(fields=["job", "stem_type"], name="one_file_per_stem_type")]

    def __str__(self) -> str:
        return self.file_path

    @property
    def file_name(self) -> str:
        return self.file_path.rsplit("/", 1)[-1]
