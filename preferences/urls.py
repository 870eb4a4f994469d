from django.urls import path

from preferences import views

urlpatterns = [path("settings/", views.settings_edit, name="settings")]
