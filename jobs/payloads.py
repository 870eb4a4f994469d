"""The JSON shape of a job and its stems, shared by pages, websocket events and the API."""

from django.urls import reverse

from jobs.models import JobStatus, ProcessingJob, Stem


def stem_payload(stem: Stem) -> dict:
    return {
        "id": str(stem.id),
        "stem_type": stem.stem_type,
        "format": stem.format,
        "duration_seconds": round(stem.duration_seconds, 3),
        "size_bytes": stem.size_bytes,
        "file_url": reverse("stem-file", args=[stem.job_id, stem.file_name]),
        "export_url": reverse("stem-export", args=[stem.id]),
    }


def job_payload(job: ProcessingJob) -> dict:
    completed = job.status == JobStatus.COMPLETED
    return {
        "id": str(job.id),
        "track_id": str(job.track_id),
        "engine": job.engine,
        "model": job.model,
        "stems_mode": job.stems_mode,
        "output_format": job.output_format,
        "preview": job.preview,
        "sample_rate": job.sample_rate,
        "normalise": job.normalise,
        "options": job.options,
        "status": job.status,
        "status_label": job.get_status_display(),
        "active": job.is_active,
        "progress": job.progress,
        "queue_position": _queue_position(job),
        "error": job.error_message,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "runtime_seconds": job.runtime_seconds,
        "result": job.result_meta,
        "stems": [stem_payload(stem) for stem in job.stems.all()],
        "url": reverse("api-job", args=[job.id]),
        "studio_url": f"{reverse('track-detail', args=[job.track_id])}?job={job.id}",
        "zip_url": reverse("job-zip", args=[job.id]) if completed else None,
        "cancel_url": reverse("api-job-cancel", args=[job.id]),
    }


def _queue_position(job: ProcessingJob) -> int | None:
    """1 for the user's next job to start, 2 after it...; None unless the job waits for a free slot."""
    if job.status != JobStatus.WAITING:
        return None
    ahead = ProcessingJob.objects.filter(user_id=job.user_id, status=JobStatus.WAITING, created_at__lt=job.created_at)
    return ahead.count() + 1
