"""Stem belongs to the jobs app now: its table is renamed here, its model is declared there
(jobs 0003). Rows and files stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audio", "0003_stem_job_stem_one_file_per_stem_type"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("stem", "jobs_stem")],
            state_operations=[migrations.DeleteModel("stem")],
        ),
    ]
