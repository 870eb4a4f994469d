"""``python manage.py move_files_to_bucket [--delete-local]``: an installation's files from
UPLOADS_DIR into the bucket of STORAGE=s3, resumable (jobs.bucket_move)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audio.storage import StorageFailed
from jobs.bucket_move import NotABucket, files_move_to_bucket


class Command(BaseCommand):
    help = "Copy the originals, covers and stems under UPLOADS_DIR into the bucket (STORAGE=s3); run again to resume."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete-local",
            action="store_true",
            help="once every file the database names is in the bucket, remove the local copies",
        )

    def handle(self, *args, **options) -> None:
        root = Path(settings.UPLOADS_DIR)
        try:
            report = files_move_to_bucket(root=root, delete_local=options["delete_local"], say=self.stdout.write)
        except NotABucket as exc:
            raise CommandError(exc.message) from exc
        except StorageFailed as exc:
            raise CommandError(f"{exc} (run the command again to resume)") from exc
        self.stdout.write(
            f"{report.copied} files copied ({report.copied_bytes} bytes), {report.skipped} already in the bucket."
        )
        if report.missing:
            shown = ", ".join(report.missing[:10])
            raise CommandError(f"{len(report.missing)} files the database names are not in the bucket: {shown}")
        self.stdout.write("Every file the database names is in the bucket.")
        if options["delete_local"]:
            self.stdout.write(f"{report.removed} local copies removed.")
