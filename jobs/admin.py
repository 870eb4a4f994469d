"""The admin of jobs, and of tracks as this app sees them: a delete removes the files too
(rows cascade in the database; files only go through the services)."""

from django.contrib import admin

from audio.admin import TrackAdmin
from audio.models import Track
from jobs.models import ProcessingJob
from jobs.stems import jobs_delete, track_delete


@admin.register(ProcessingJob)
class ProcessingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "track", "user", "engine", "model", "status", "progress", "created_at")
    list_filter = ("status", "engine", "model")
    readonly_fields = ("result_meta", "celery_task_id", "heartbeat_at", "sent_at")

    def delete_model(self, request, obj: ProcessingJob) -> None:
        jobs_delete(jobs=[obj])

    def delete_queryset(self, request, queryset) -> None:
        jobs_delete(jobs=list(queryset))


admin.site.unregister(Track)


@admin.register(Track)
class TrackWithFilesAdmin(TrackAdmin):
    """audio's Track admin, deleting each track with its jobs' stem files (jobs.stems.track_delete)."""

    def delete_model(self, request, obj: Track) -> None:
        track_delete(track=obj)

    def delete_queryset(self, request, queryset) -> None:
        for track in queryset:
            track_delete(track=track)
