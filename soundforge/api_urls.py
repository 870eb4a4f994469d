"""The JSON API under /api/: tracks, models, jobs, settings, engine accounts, the schema and its docs."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.tokens import TokenCreateView, TokenRotateView
from jobs.api import accounts as accounts_api
from jobs.api import tracks as tracks_api
from jobs.api import views as jobs_api
from preferences import api as preferences_api
from preferences import catalog_api
from studio import api as studio_api

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="api-token"),
    path("auth/token/rotate/", TokenRotateView.as_view(), name="api-token-rotate"),
    path("models/", catalog_api.ModelCatalogView.as_view(), name="api-models"),
    path("tracks/", tracks_api.TrackListView.as_view(), name="api-tracks"),
    path("tracks/<uuid:track_id>/", tracks_api.TrackDetailView.as_view(), name="api-track"),
    path("tracks/<uuid:track_id>/cover/", tracks_api.TrackCoverView.as_view(), name="api-track-cover"),
    path("jobs/", jobs_api.JobListView.as_view(), name="api-jobs"),
    path("jobs/batch/", jobs_api.JobBatchView.as_view(), name="api-jobs-batch"),
    path("jobs/<uuid:job_id>/", jobs_api.JobDetailView.as_view(), name="api-job"),
    path("jobs/<uuid:job_id>/cancel/", jobs_api.JobCancelView.as_view(), name="api-job-cancel"),
    path("jobs/<uuid:job_id>/mix/", studio_api.JobMixView.as_view(), name="api-job-mix"),
    path("settings/", preferences_api.SettingsView.as_view(), name="api-settings"),
    path("<slug:engine>/quota", accounts_api.QuotaView.as_view(), name="api-engine-quota"),
    path("<slug:engine>/cancel", accounts_api.CancelView.as_view(), name="api-engine-cancel"),
    path("<slug:engine>/cancel-all", accounts_api.CancelAllView.as_view(), name="api-engine-cancel-all"),
    path("schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    # The docs pages are for people in a browser: log in first, like every page.
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", login_required(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]
