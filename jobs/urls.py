from django.urls import path

from jobs import settings_page, studio_views, views

urlpatterns = [
    path("tracks/<uuid:track_id>/separate", views.job_create, name="job-create"),
    path("jobs/<uuid:job_id>", views.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/cancel", views.job_cancel, name="job-cancel"),
    path("tracks/<uuid:track_id>/", studio_views.track_studio, name="track-detail"),
    path("jobs/<uuid:job_id>/mix", studio_views.job_mix, name="job-mix"),
    path("settings/", settings_page.settings_edit, name="settings"),
]
