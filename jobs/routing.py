from django.urls import path

from jobs.consumers import JobEventsConsumer

EVENTS_PATH = "ws/jobs/"

websocket_urlpatterns = [path(EVENTS_PATH, JobEventsConsumer.as_asgi())]
