from django.urls import path

from jobs import views

urlpatterns = [
    path("", views.library, name="library"),
    path("tracks/upload", views.track_upload, name="track-upload"),
    path("tracks/<uuid:track_id>/delete", views.track_delete, name="track-delete"),
    path("files/stems/<uuid:job_id>/<str:file_name>", views.stem_file, name="stem-file"),
    path("export/stem/<uuid:stem_id>", views.stem_export, name="stem-export"),
    path("export/stems/<uuid:track_id>", views.stems_zip, name="stems-zip"),
    path("export/jobs/<uuid:job_id>/stems.zip", views.job_zip, name="job-zip"),
]
