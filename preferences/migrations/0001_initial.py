"""UserPreferences replaces jobs' UserSettings: the common choices keep their columns, each
engine's own go into ``engine_values`` and its encrypted key into ``secrets``. Every saved
row is copied over (jobs 0004 then drops the old table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_settings(apps, schema_editor):
    old = apps.get_model("jobs", "UserSettings")
    new = apps.get_model("preferences", "UserPreferences")
    for row in old.objects.all():
        new.objects.create(
            user_id=row.user_id,
            engine=row.engine,
            stems_mode=row.stems_mode,
            output_format=row.output_format,
            engine_values={
                "local": {"model": row.local_model},
                "lalalai": {
                    "splitter": row.lalalai_splitter,
                    "dereverb": row.lalalai_dereverb,
                    "extraction_level": row.lalalai_extraction_level,
                    "stems": list(row.lalalai_stems),
                },
            },
            secrets={"lalalai": {"key": row.lalalai_key_encrypted}} if row.lalalai_key_encrypted else {},
        )


def copy_back(apps, schema_editor):
    old = apps.get_model("jobs", "UserSettings")
    for row in apps.get_model("preferences", "UserPreferences").objects.all():
        local, lalalai = row.engine_values.get("local", {}), row.engine_values.get("lalalai", {})
        old.objects.create(
            user_id=row.user_id,
            engine=row.engine,
            stems_mode=row.stems_mode,
            output_format=row.output_format,
            local_model=local.get("model", "htdemucs"),
            lalalai_key_encrypted=row.secrets.get("lalalai", {}).get("key", ""),
            lalalai_splitter=lalalai.get("splitter", "auto"),
            lalalai_dereverb=lalalai.get("dereverb", False),
            lalalai_extraction_level=lalalai.get("extraction_level", "deep_extraction"),
            lalalai_stems=lalalai.get("stems", []),
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("jobs", "0002_user_settings"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserPreferences",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="preferences",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("engine", models.CharField(default="local", max_length=20)),
                ("stems_mode", models.CharField(default="all", max_length=10)),
                ("output_format", models.CharField(default="wav", max_length=8)),
                ("engine_values", models.JSONField(blank=True, default=dict)),
                ("secrets", models.JSONField(blank=True, default=dict)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name_plural": "user preferences"},
        ),
        migrations.RunPython(copy_settings, copy_back),
    ]
