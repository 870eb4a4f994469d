from django.urls import path

from studio import views

urlpatterns = [
    path("tracks/<uuid:track_id>/", views.track_studio, name="track-detail"),
    path("jobs/<uuid:job_id>/mix", views.job_mix, name="job-mix"),
]
