"""The shapes of the jobs API: what it takes, and (for the schema) what it answers.

Jobs are answered with jobs.payloads.job_payload, as on the pages and websockets;
JobSerializer describes that shape for the OpenAPI document.
"""
from __future__ import annotations

from rest_framework import serializers

from audio.engines.base import OUTPUT_FORMATS, STEMS_MODES
from audio.engines.registry import get_engine
from jobs.models import JobStatus
from jobs.user_settings import CHOICES, KEY_MAX_LENGTH, LALALAI_STEMS, separation_defaults

KEY_PATTERN = r"^[!-~]*$"  # printable ASCII, no spaces


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
    engine = serializers.ChoiceField(choices=CHOICES["engine"])
    model = serializers.CharField()
    stems_mode = serializers.ChoiceField(choices=STEMS_MODES)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS)
    preview = serializers.BooleanField()
    options = serializers.DictField(help_text="Engine options (lalal.ai: dereverb, extraction_level, stems).")
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    error = serializers.CharField(allow_blank=True, help_text="Why it failed or was cancelled; empty otherwise.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    runtime_seconds = serializers.FloatField(allow_null=True)
    result = serializers.DictField(help_text="Model, version, device, runtime, warnings of a completed run.")
    stems = StemSerializer(many=True)
    zip_url = serializers.CharField(allow_null=True, help_text="GET: every stem as a ZIP, once completed.")
    cancel_url = serializers.CharField(help_text="The library page's cancel action (session only).")


class JobCancelSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField(help_text="False when the job had already ended.")
    job = JobSerializer()


class JobFilterSerializer(serializers.Serializer):
    track = serializers.UUIDField(required=False, help_text="Only the jobs of this track.")


class JobCreateSerializer(serializers.Serializer):
    """A new job; the fields left out come from the user's settings."""

    track = serializers.UUIDField(help_text="One of your tracks.")
    engine = serializers.ChoiceField(choices=CHOICES["engine"], required=False)
    model = serializers.CharField(required=False, max_length=40,
                                  help_text="A model of the engine (GET /api/models/).")
    stems = serializers.ChoiceField(choices=STEMS_MODES, required=False)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, required=False)
    preview = serializers.BooleanField(required=False, default=False,
                                       help_text="Separate a 60 s excerpt only.")

    def validate(self, attrs: dict) -> dict:
        defaults = separation_defaults(user=self.context["request"].user, engine=attrs.get("engine"))
        engine = defaults["engine"]
        model = attrs.get("model", defaults["model"])
        models = get_engine(engine).models()
        if model not in models:
            raise serializers.ValidationError({"model": f"The {engine} engine has no model {model!r}; "
                                                        f"choose one of: {', '.join(models)}."})
        return {"track": attrs["track"], "engine": engine, "model": model,
                "stems_mode": attrs.get("stems", defaults["stems_mode"]),
                "output_format": attrs.get("output_format", defaults["output_format"]),
                "preview": attrs.get("preview", False)}


class SettingsSerializer(serializers.Serializer):
    """The user's settings; on PUT, fields left out keep their value."""

    engine = serializers.ChoiceField(choices=CHOICES["engine"], required=False)
    local_model = serializers.ChoiceField(choices=CHOICES["local_model"], required=False)
    stems_mode = serializers.ChoiceField(choices=STEMS_MODES, required=False)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, required=False)
    lalalai_key = serializers.RegexField(
        KEY_PATTERN, write_only=True, required=False, allow_null=True, allow_blank=True, max_length=KEY_MAX_LENGTH,
        error_messages={"invalid": "A lalal.ai licence key has no spaces: paste it from your lalal.ai account."},
        help_text="A new lalal.ai licence key; \"\" or null removes the saved one. Never answered back.")
    lalalai_key_set = serializers.BooleanField(read_only=True)
    lalalai_key_masked = serializers.CharField(read_only=True, allow_null=True,
                                               help_text="The saved key's last 4 characters at most.")
    lalalai_splitter = serializers.ChoiceField(choices=CHOICES["lalalai_splitter"], required=False)
    lalalai_extraction_level = serializers.ChoiceField(choices=CHOICES["lalalai_extraction_level"],
                                                       required=False)
    lalalai_dereverb = serializers.BooleanField(required=False)
    lalalai_stems = serializers.ListField(
        child=serializers.ChoiceField(choices=LALALAI_STEMS), required=False,
        help_text="Stems lalal.ai separates; empty: all it splits in one go. "
                  "synthesizer, strings and wind need the phoenix splitter and go alone.")


class QuotaSerializer(serializers.Serializer):
    quota_minutes = serializers.FloatField(help_text="used + remaining")
    used_minutes = serializers.FloatField(help_text="Completed lalal.ai jobs here: track minutes x stems.")
    remaining_minutes = serializers.FloatField(help_text="What lalal.ai says is left on the key.")


class LalalaiCancelSerializer(serializers.Serializer):
    job = serializers.UUIDField(help_text="One of your lalal.ai jobs.")


class CancelledJobSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    cancelled = serializers.BooleanField(help_text="False when the job had already ended.")
    status = serializers.ChoiceField(choices=JobStatus.values, help_text="The job's status now.")


class CancelReportSerializer(serializers.Serializer):
    jobs = CancelledJobSerializer(many=True)
    lalalai_tasks = serializers.DictField(child=serializers.BooleanField(),
                                          help_text="cancel-all: lalal.ai task id -> cancelled there.")
    lalalai_error = serializers.CharField(allow_null=True,
                                          help_text="cancel-all: why lalal.ai's tasks could not be cancelled.")
