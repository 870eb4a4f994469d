import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    """A job's state; the labels are the words users read for it."""

    WAITING = "waiting", "Waiting"  # for a free slot of its user's (MAX_ACTIVE_JOBS_PER_USER); not sent yet
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Separating"
    COMPLETED = "completed", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


UNDER_WAY_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)  # sent to the workers: counted by the per-user limit
ACTIVE_STATUSES = (JobStatus.WAITING, *UNDER_WAY_STATUSES)  # not finished yet
WORK_FOLDER_NAME = ".work-"  # + "<job id>-<attempt>", inside the worker's SCRATCH_DIR
FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


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
    # How the stems are finished after the engine (audio.finishing).
    sample_rate = models.PositiveIntegerField(default=44100)
    normalise = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the broker last took its task.")
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
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def folder(self) -> str:
        """Where its stems are stored: their names' folder in the storage (audio.storage)."""
        return f"stems/{self.id}"

    @property
    def work_folder(self) -> str:
        """Where this attempt's engine writes while it runs, relative to the worker's SCRATCH_DIR:
        one folder per attempt, so a run that lingers never shares one with the next."""
        return f"{WORK_FOLDER_NAME}{self.id}-{self.attempts}"

    @property
    def peaks_path(self) -> str:
        return f"{self.folder}/peaks.json"

    @property
    def runtime_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Stem(models.Model):
    """One separated source of a job, stored at ``stems/<job id>/<stem type>.<format>``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(ProcessingJob, on_delete=models.CASCADE, related_name="stems")
    stem_type = models.CharField(max_length=40)
    format = models.CharField(max_length=8)
    duration_seconds = models.FloatField()
    size_bytes = models.BigIntegerField()
    file_path = models.CharField(max_length=200, help_text="Relative to UPLOADS_DIR.")  # its stored name

    class Meta:
        ordering = ["stem_type"]
        constraints = [models.UniqueConstraint(fields=["job", "stem_type"], name="one_file_per_stem_type")]

    def __str__(self) -> str:
        return self.file_path

    @property
    def file_name(self) -> str:
        return self.file_path.rsplit("/", 1)[-1]
