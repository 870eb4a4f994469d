"""Tokens issued before accounts.ApiToken existed (DRF's authtoken) keep working: each is
copied with a fresh TOKEN_TTL_DAYS and bound to its user's current password."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def copy_tokens(apps, schema_editor):
    from accounts.services import password_digest

    old, new = apps.get_model("authtoken", "Token"), apps.get_model("accounts", "ApiToken")
    for token in old.objects.select_related("user"):
        new.objects.update_or_create(
            user=token.user,
            defaults={
                "key": token.key,
                "created_at": timezone.now(),
                "password_digest": password_digest(token.user.password, settings.SECRET_KEY),
            },
        )
    old.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("authtoken", "0004_alter_tokenproxy_options")]

    operations = [migrations.RunPython(copy_tokens, migrations.RunPython.noop)]
