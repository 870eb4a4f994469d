"""UserSettings now lives in the preferences app (copied there by preferences 0001)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_stem"),
        ("preferences", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="UserSettings"),
    ]
