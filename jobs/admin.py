from django.contrib import admin

from jobs.models import ProcessingJob


@admin.register(ProcessingJob)
class ProcessingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "track", "user", "engine", "model", "status", "progress", "created_at")
    list_filter = ("status", "engine", "model")
    readonly_fields = ("result_meta", "celery_task_id", "heartbeat_at")
