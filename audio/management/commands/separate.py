"""``python manage.py separate FILE --model M --out DIR``: one local separation.

Runs the same supervised runner the workers use, prints progress steps and the
stem paths. Reads DEMUCS_MODEL_DIR, DEMUCS_TIMEOUT and CELERY_WORKER_CONCURRENCY
from the settings when they exist.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audio.decoding import probe_seconds
from audio.engines.base import OUTPUT_FORMATS, STEMS_MODES, EngineError, SeparationRequest
from audio.engines.local.catalog import MODEL_STEMS
from audio.engines.local.engine import LocalEngine


class Command(BaseCommand):
    help = "Separate one audio file into stems with the local engine."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--model", required=True, choices=sorted(MODEL_STEMS))
        parser.add_argument("--out", required=True, type=Path, help="folder for the stems")
        parser.add_argument("--stems", default="all", choices=STEMS_MODES)
        parser.add_argument("--format", default="wav", choices=OUTPUT_FORMATS)

    def handle(self, *args, **options) -> None:
        engine = LocalEngine(
            concurrency=1,
            timeout=float(getattr(settings, "DEMUCS_TIMEOUT", 300)),
            model_dir=getattr(settings, "DEMUCS_MODEL_DIR", None) or None,
        )
        request = SeparationRequest(
            input_path=options["file"],
            work_dir=options["out"],
            model=options["model"],
            stems=options["stems"],
            output_format=options["format"],
            input_seconds=probe_seconds(options["file"]),
        )
        try:
            result = engine.separate(request, progress=self._show_progress, cancel=threading.Event())
        except EngineError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        finally:
            engine.close()
        for name, path in result.stems.items():
            self.stdout.write(f"{name}: {path}")
        meta = result.meta
        self.stdout.write(
            f"model {meta.get('model_version')} on {meta.get('device')}: "
            f"{meta.get('runtime_seconds')} s, real-time factor {meta.get('real_time_factor')}"
        )
        for warning in meta.get("warnings", []):
            self.stderr.write(f"warning: {warning}")

    def _show_progress(self, percent: int) -> None:
        self.stdout.write(f"progress {percent}%")
