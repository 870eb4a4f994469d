"""The shapes of the jobs API: what it takes, and (for the schema) what it answers.

Jobs are answered with jobs.payloads.job_payload, as on the pages and websockets;
JobSerializer describes that shape for the OpenAPI document.
"""

from __future__ import annotations

from rest_framework import serializers

from audio.engines.base import OUTPUT_FORMATS, STEMS_MODES
from audio.engines.registry import ENGINE_NAMES
from audio.finishing import CEILING_DBFS, SAMPLE_RATES
from audio.selectors import MAX_QUERY
from jobs.models import JobStatus
from jobs.preview import PREVIEW_SECONDS
from jobs.services import BATCH_MAX_TRACKS
from preferences.services import separation_defaults

SAMPLE_RATE_CHOICES = [(rate, f"{rate} Hz") for rate in SAMPLE_RATES]  # named in the schema (settings)


class StemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    stem_type = serializers.CharField(help_text="vocals, drums, bass, other, instrumental...")
    format = serializers.ChoiceField(choices=OUTPUT_FORMATS)
    duration_seconds = serializers.FloatField()
    size_bytes = serializers.IntegerField()
    file_url = serializers.CharField(help_text="GET: the stem file, with HTTP Range (for players).")
    export_url = serializers.CharField(help_text="GET: the stem as a download (attachment).")


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    track_id = serializers.UUIDField()
    engine = serializers.ChoiceField(choices=ENGINE_NAMES)
    model = serializers.CharField()
    stems_mode = serializers.ChoiceField(choices=STEMS_MODES)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS)
    preview = serializers.BooleanField()
    sample_rate = serializers.ChoiceField(choices=SAMPLE_RATE_CHOICES, help_text="The stems' sample rate in Hz.")
    normalise = serializers.BooleanField(help_text="Whether the stems were normalised loudness-safe.")
    options = serializers.DictField(help_text="Engine options (lalal.ai: dereverb, extraction_level, stems).")
    status = serializers.ChoiceField(choices=JobStatus.values)
    status_label = serializers.CharField(help_text="The status in words: Queued, Separating, Done...")
    active = serializers.BooleanField(help_text="Waiting, queued or running.")
    progress = serializers.IntegerField(min_value=0, max_value=100)
    queue_position = serializers.IntegerField(
        allow_null=True,
        help_text="While waiting for a free slot (you have MAX_ACTIVE_JOBS_PER_USER jobs under way): "
        "1 starts next. Null otherwise.",
    )
    error = serializers.CharField(allow_blank=True, help_text="Why it failed or was cancelled; empty otherwise.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    runtime_seconds = serializers.FloatField(allow_null=True)
    result = serializers.DictField(
        help_text="Model, version, device, runtime, samplerate, normalise_gain_db (null when not normalised) "
        "and warnings (a clipping risk among them) of a completed run."
    )
    stems = StemSerializer(many=True)
    url = serializers.CharField(help_text="GET: this job.")
    studio_url = serializers.CharField(help_text="The job in its track's studio page.")
    zip_url = serializers.CharField(allow_null=True, help_text="GET: every stem as a ZIP, once completed.")
    cancel_url = serializers.CharField(help_text="POST: cancel this job.")


class JobCancelSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField(help_text="False when the job had already ended.")
    job = JobSerializer()


class JobFilterSerializer(serializers.Serializer):
    track = serializers.UUIDField(required=False, help_text="Only the jobs of this track.")


class JobChoicesSerializer(serializers.Serializer):
    """How to separate; the fields left out come from the user's settings."""

    engine = serializers.ChoiceField(choices=ENGINE_NAMES, required=False)
    model = serializers.CharField(required=False, max_length=40, help_text="A model of the engine (GET /api/models/).")
    stems = serializers.ChoiceField(choices=STEMS_MODES, required=False)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, required=False)
    preview = serializers.BooleanField(
        required=False, default=False, help_text=f"Separate a {PREVIEW_SECONDS:g} s excerpt only."
    )
    sample_rate = serializers.ChoiceField(
        choices=SAMPLE_RATE_CHOICES, required=False, help_text="The stems' sample rate in Hz."
    )
    normalise = serializers.BooleanField(
        required=False,
        help_text="Loudness-safe normalisation: all stems turned up or down together until their sum "
        f"peaks at {CEILING_DBFS:g} dBFS. Off, a clipping risk is reported among the result's warnings.",
    )

    def choices(self, attrs: dict) -> dict:
        """The job's engine, model, stems mode, output format and preview, defaults filled in."""
        defaults = separation_defaults(user=self.context["request"].user, engine=attrs.get("engine"))
        return {
            "engine": defaults["engine"],
            "model": attrs.get("model", defaults["model"]),
            "stems_mode": attrs.get("stems", defaults["stems_mode"]),
            "output_format": attrs.get("output_format", defaults["output_format"]),
            "preview": attrs.get("preview", False),
            "sample_rate": attrs.get("sample_rate", defaults["sample_rate"]),
            "normalise": attrs.get("normalise", defaults["normalise"]),
        }


class JobCreateSerializer(JobChoicesSerializer):
    """A new job; the fields left out come from the user's settings."""

    track = serializers.UUIDField(help_text="One of your tracks.")

    def validate(self, attrs: dict) -> dict:
        return {"track": attrs["track"], **self.choices(attrs)}


class TrackMatchSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUERY)
    separated = serializers.BooleanField(required=False, allow_null=True, default=None)


class JobBatchSerializer(JobChoicesSerializer):
    """Several tracks separated alike: ``tracks``, or every track ``all_matching`` a library search."""

    tracks = serializers.ListField(
        child=serializers.UUIDField(), required=False, min_length=1, max_length=BATCH_MAX_TRACKS
    )
    all_matching = TrackMatchSerializer(
        required=False, help_text="A search as GET /api/tracks/ takes it (q, separated): every track it finds."
    )

    def validate(self, attrs: dict) -> dict:
        if ("tracks" in attrs) == ("all_matching" in attrs):
            raise serializers.ValidationError("Give either tracks or all_matching.")
        return {"tracks": attrs.get("tracks"), "all_matching": attrs.get("all_matching"), **self.choices(attrs)}


class JobBatchAnswerSerializer(serializers.Serializer):
    jobs = JobSerializer(many=True, help_text="One per track: new (queued or waiting its turn) or the same job reused.")
    refused = serializers.DictField(child=serializers.CharField(), help_text="Track id -> why no job was made.")


class QuotaSerializer(serializers.Serializer):
    quota_minutes = serializers.FloatField(allow_null=True, help_text="used + remaining")
    used_minutes = serializers.FloatField(help_text="What your completed jobs on the engine cost here.")
    remaining_minutes = serializers.FloatField(
        allow_null=True,
        help_text="What the service says is left on your key (cached for a minute); null on the "
        "installation's key, whose minutes only staff see.",
    )
    job_cost_minutes = serializers.FloatField(
        required=False, help_text="With `track`: what that job would cost, before it starts."
    )


class QuotaQuerySerializer(serializers.Serializer):
    """Optional: a job to price before it starts (its options come from your settings)."""

    track = serializers.UUIDField(required=False, help_text="Price a job of this track of yours.")
    model = serializers.CharField(required=False, max_length=40, help_text="Default: from your settings.")
    stems = serializers.ChoiceField(choices=STEMS_MODES, required=False, help_text="Default: from your settings.")
    preview = serializers.BooleanField(required=False, default=False)


class AccountCancelSerializer(serializers.Serializer):
    job = serializers.UUIDField(help_text="One of your jobs on this engine.")


class CancelledJobSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    cancelled = serializers.BooleanField(help_text="False when the job had already ended.")
    status = serializers.ChoiceField(choices=JobStatus.values, help_text="The job's status now.")


class CancelReportSerializer(serializers.Serializer):
    jobs = CancelledJobSerializer(many=True)
    service_tasks = serializers.DictField(
        child=serializers.BooleanField(), help_text="cancel-all: the service's task id -> cancelled there."
    )
    service_error = serializers.CharField(
        allow_null=True, help_text="cancel-all: why the service's tasks could not be cancelled."
    )
