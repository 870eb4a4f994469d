import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class ProcessingJob(models.Model):
    """One separation of a track by one engine and model with given options."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    track = models.ForeignKey("audio.Track", on_delete=models.CASCADE, related_name="jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    engine = models.CharField(max_length=20)
    model = models.CharField(max_length=40)
    stems_mode = models.CharField(max_length=10, default="all")
    output_format = models.CharField(max_length=8, default="wav")
    preview = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result_meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.engine}/{self.model} of {self.track_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def runtime_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class UserSettings(models.Model):
    """A user's separation defaults and lalal.ai account; read through jobs.user_settings.

    The lalal.ai key is stored only encrypted (jobs.secret_box); an empty
    ``lalalai_stems`` means every stem lalal.ai can split in one go.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="separation_settings")
    engine = models.CharField(max_length=20, default="local")
    local_model = models.CharField(max_length=40, default="htdemucs")
    stems_mode = models.CharField(max_length=10, default="all")
    output_format = models.CharField(max_length=8, default="wav")
    lalalai_key_encrypted = models.TextField(blank=True)
    lalalai_splitter = models.CharField(max_length=20, default="auto")
    lalalai_dereverb = models.BooleanField(default=False)
    lalalai_extraction_level = models.CharField(max_length=20, default="deep_extraction")
    lalalai_stems = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"settings of {self.user_id}"

    @property
    def has_lalalai_key(self) -> bool:
        return bool(self.lalalai_key_encrypted)
