"""Job events to the owner's websockets, through the channel layer.

Every open tab of a user joins that user's group; events never cross users.
"""

import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from jobs.models import ProcessingJob
from jobs.payloads import job_payload

logger = logging.getLogger(__name__)


def user_group(user_id) -> str:
    return f"jobs.user.{user_id}"


def _send(user_id, event: dict) -> None:
    layer = get_channel_layer()
    try:
        async_to_sync(layer.group_send)(user_group(user_id), event)
    except Exception:  # a lost event must never fail the job itself
        logger.exception("Could not send %s to user %s", event["type"], user_id)


def send_progress(job: ProcessingJob, percent: int) -> None:
    # sent_at (epoch seconds) lets a client see how fresh an event is.
    _send(
        job.user_id,
        {
            "type": "job.progress",
            "job_id": str(job.id),
            "track_id": str(job.track_id),
            "progress": percent,
            "sent_at": time.time(),
        },
    )


def send_status(job: ProcessingJob) -> None:
    _send(job.user_id, {"type": "job.status", "job": job_payload(job)})


def send_deleted(job: ProcessingJob) -> None:
    _send(job.user_id, {"type": "job.deleted", "job_id": str(job.id), "track_id": str(job.track_id)})
