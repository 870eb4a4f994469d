"""``python manage.py create_bucket``: make the bucket of STORAGE=s3 if it is not there yet
(a development MinIO, docker-compose); an existing bucket is left as it is."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audio.storage import StorageFailed, bucket_ensure


class Command(BaseCommand):
    help = "Create the storage bucket (STORAGE=s3) if it does not exist."

    def handle(self, *args, **options) -> None:
        try:
            created = bucket_ensure()
        except StorageFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Bucket created." if created else "The bucket is there.")
