"""``python manage.py live FILE --out DIR``: stream a file through a running server's ``ws/live/``.

The file is decoded and resampled to 44.1 kHz stereo here, streamed as the wire
protocol says (docs/live-protocol.md), and each returned stem is written as a 16-bit
WAV. The token comes from ``--token`` or ``$SOUNDFORGE_TOKEN`` (POST /api/auth/token/).
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import soundfile
from django.core.management.base import BaseCommand, CommandError
from websockets.exceptions import WebSocketException

from audio.pcm import read_blocks
from live import protocol
from live.client import LiveError, stream


class Command(BaseCommand):
    help = "Stream an audio file through a SoundForge server's live separation and write the stems."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--out", required=True, type=Path, help="folder for the stems")
        parser.add_argument("--latency-ms", type=float, help="the latency wanted (default: the server's, 500 ms)")
        parser.add_argument("--realtime", action="store_true", help="send at playback pace, as a live source would")
        parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/live/", help="the server's live socket")
        parser.add_argument("--token", default=os.environ.get("SOUNDFORGE_TOKEN"), help="API token")

    def handle(self, *args, **options) -> None:
        if not options["token"]:
            raise CommandError("Give your API token with --token or SOUNDFORGE_TOKEN (POST /api/auth/token/).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        blocks = read_blocks(path, rate=protocol.SAMPLE_RATE)
        try:
            result = stream(
                options["url"],
                blocks,
                token=options["token"],
                latency_ms=options["latency_ms"],
                realtime=options["realtime"],
            )
        except (LiveError, av.FFmpegError) as exc:
            raise CommandError(str(exc)) from exc
        except (OSError, WebSocketException) as exc:
            raise CommandError(f"Could not stream to {options['url']}: {exc}") from exc
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        latency = result.ready["latency_samples"]
        self.stdout.write(f"latency {latency} samples ({1000 * latency / protocol.SAMPLE_RATE:.0f} ms)")
        for stem, samples in result.stems.items():
            target = out / f"{stem}.wav"
            soundfile.write(str(target), samples.T, protocol.SAMPLE_RATE, subtype="PCM_16")
            self.stdout.write(f"{stem}: {target}")
        if result.stats:
            final = result.stats[-1]
            self.stdout.write(
                f"fallback frames {final['fallback_frames']}, compute {final['compute_ms_per_hop']} ms per hop"
            )
