from django.contrib import admin

from audio.models import Track


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("title", "artist", "owner", "duration_seconds", "created_at")
    list_filter = ("extension",)
    search_fields = ("title", "artist", "album", "owner__username")
    readonly_fields = ("content_sha256", "size_bytes", "created_at")
