"""Stem, moved from the audio app: the table (renamed by audio 0004) and its rows stay;
its content type follows it so permissions keep pointing at it."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def content_type_to_jobs(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    moved = content_types.objects.filter(app_label="audio", model="stem")
    if content_types.objects.filter(app_label="jobs", model="stem").exists():
        moved.delete()
    else:
        moved.update(app_label="jobs")


def content_type_to_audio(apps, schema_editor):
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="jobs", model="stem").update(
        app_label="audio"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("audio", "0004_stem_moves_to_jobs"),
        ("jobs", "0002_user_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Stem",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("stem_type", models.CharField(max_length=40)),
                        ("format", models.CharField(max_length=8)),
                        ("duration_seconds", models.FloatField()),
                        ("size_bytes", models.BigIntegerField()),
                        ("file_path", models.CharField(help_text="Relative to UPLOADS_DIR.", max_length=200)),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="stems",
                                to="jobs.processingjob",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["stem_type"],
                        "constraints": [
                            models.UniqueConstraint(fields=("job", "stem_type"), name="one_file_per_stem_type")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_jobs, content_type_to_audio),
    ]
