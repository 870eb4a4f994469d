from django.urls import path

from audio import views

urlpatterns = [
    path("tracks/<uuid:track_id>/cover", views.track_cover, name="track-cover"),
    path("files/tracks/<uuid:track_id>/original", views.track_original, name="track-original"),
]
