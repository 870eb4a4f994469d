from django.urls import path

from audio import views

urlpatterns = [
    path("", views.library, name="library"),
    path("tracks/upload", views.track_upload, name="track-upload"),
    path("tracks/<uuid:track_id>/", views.track_detail, name="track-detail"),
    path("tracks/<uuid:track_id>/delete", views.track_delete, name="track-delete"),
    path("tracks/<uuid:track_id>/cover", views.track_cover, name="track-cover"),
    path("files/tracks/<uuid:track_id>/original", views.track_original, name="track-original"),
]
