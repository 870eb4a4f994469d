from django.urls import path

from live import views

urlpatterns = [path("live/", views.live_page, name="live")]
