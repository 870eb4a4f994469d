"""What a download is called, and which files a ZIP holds.

Names come from the track's artist and title (so tracks without tags, once
renamed, are told apart) and, for a separation, its model and kind plus a short
piece of its id: two separations of one track never share a name.
"""

from __future__ import annotations

from django.utils.text import slugify

from audio.engines.base import STEMS_TWO
from audio.models import Track
from jobs.models import ProcessingJob, Stem

MAX_NAME = 80  # characters of artist and title kept in a file name


def track_slug(track: Track) -> str:
    """``artist-title`` (or ``title``) as a file name; ``track`` when nothing usable is left."""
    words = f"{track.artist} {track.title}" if track.artist else track.title
    return slugify(words, allow_unicode=True)[:MAX_NAME].strip("-") or "track"


def job_slug(job: ProcessingJob) -> str:
    """``artist-title-model[-2stems][-preview]-<6 hex of its id>``: unique per separation."""
    parts = [track_slug(job.track), slugify(job.model)]
    if job.stems_mode == STEMS_TWO:
        parts.append("2stems")
    if job.preview:
        parts.append("preview")
    parts.append(job.id.hex[:6])
    return "-".join(parts)


def stem_download_name(stem: Stem) -> str:
    return f"{job_slug(stem.job)}-{stem.stem_type}.{stem.format}"


def zip_entries(*, job: ProcessingJob, stems: list[Stem]) -> tuple[str, list[tuple[str, str]]]:
    """The ZIP's file name and its (name in the archive, stored name) pairs: a folder named
    like the archive holding ``<stem>.<format>`` files."""
    base = job_slug(job)
    return f"{base}.zip", [(f"{base}/{stem.file_name}", stem.file_path) for stem in stems]
