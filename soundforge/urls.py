from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from soundforge import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("soundforge.api_urls")),
    path("admin/", admin.site.urls),
    path("", include("audio.urls")),
    path("", include("jobs.urls")),
]
