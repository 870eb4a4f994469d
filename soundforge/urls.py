from django.contrib import admin
from django.urls import include, path

from soundforge import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("api/", include("soundforge.api_urls")),
    path("admin/", admin.site.urls),
    path("", include("audio.urls")),
    path("", include("jobs.urls")),
    path("", include("preferences.urls")),
    path("", include("studio.urls")),
    path("", include("live.urls")),
]
