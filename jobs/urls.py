from django.urls import path

from jobs import views

urlpatterns = [
    path("tracks/<uuid:track_id>/separate", views.job_create, name="job-create"),
    path("jobs/<uuid:job_id>", views.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/cancel", views.job_cancel, name="job-cancel"),
]
