"""One separation inside the runner: decode, separate, write the stems, describe.

Stems are written into ``<output_dir>/.partial-<id>/`` and renamed into
``output_dir`` only once all of them exist, so a failed job leaves nothing behind.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from audio.engines.base import STEMS_TWO, EngineCancelled
from audio.engines.local.audio_io import load_stereo, resample, write_stem
from audio.engines.local.models import ModelCache
from audio.engines.local.protocol import SeparateRequest

logger = logging.getLogger(__name__)

PERCENT_DECODED = 2
PERCENT_LOADED = 5
PERCENT_SEPARATED = 95
SHORT_INPUT_SECONDS = 5.0
SILENT_PEAK = 1e-4  # -80 dBFS


class JobRun:
    """Runs one request; ``report`` receives rising percents below 100."""

    def __init__(
        self, request: SeparateRequest, cache: ModelCache, report: Callable[[int], None], cancelled: threading.Event
    ):
        self.request = request
        self.cache = cache
        self.report = report
        self.cancelled = cancelled
        self.warnings: list[str] = []

    def run(self) -> tuple[dict[str, str], dict]:
        """Stem name -> final path, and the result meta. Raises EngineError subclasses."""
        started = time.monotonic()
        self.request.validate()
        audio = load_stereo(Path(self.request.input))
        self._step(PERCENT_DECODED)
        cached = self.cache.get(self.request.model)
        self._step(PERCENT_LOADED)
        compute_started = time.monotonic()
        stems = self._separate(cached.model, audio.samples, audio.samplerate)
        compute_seconds = time.monotonic() - compute_started
        paths = self._write(stems, cached.model.samplerate, audio.samplerate, audio.samples.shape[-1])
        runtime = time.monotonic() - started
        self._check_input(audio.samples, audio.seconds)
        meta = {
            "model": self.request.model,
            "model_version": cached.model.version,
            "device": self.cache.device,
            "threads": torch.get_num_threads(),
            "warm": cached.warm,
            "model_load_seconds": round(cached.load_seconds, 3),
            "separation_seconds": round(compute_seconds, 3),
            "runtime_seconds": round(runtime, 3),
            "input_seconds": round(audio.seconds, 3),
            "real_time_factor": round(runtime / max(audio.seconds, 1e-9), 4),
            "samplerate": audio.samplerate,
            "warnings": self.warnings,
        }
        return paths, meta

    def _step(self, percent: int) -> None:
        if self.cancelled.is_set():
            raise EngineCancelled("The separation was cancelled.")
        self.report(percent)

    def _separate(self, model, samples: np.ndarray, rate: int) -> dict[str, torch.Tensor]:
        mix = torch.from_numpy(resample(samples, rate, model.samplerate))
        span = PERCENT_SEPARATED - PERCENT_LOADED
        sources = model.separate(mix, lambda f: self._step(PERCENT_LOADED + int(span * f)))
        if self.request.stems == STEMS_TWO:
            vocals = sources.pop("vocals")
            sources.clear()
            return {"vocals": vocals, "instrumental": mix - vocals}
        return sources

    def _write(self, stems: dict[str, torch.Tensor], model_rate: int, rate: int, length: int) -> dict[str, str]:
        output_dir = Path(self.request.output_dir)
        partial = output_dir / f".partial-{self.request.id}"
        partial.mkdir()
        try:
            written = self._write_all(stems, partial, (model_rate, rate), length)
            final = {name: output_dir / path.name for name, path in written.items()}
            for name, path in written.items():
                path.rename(final[name])
        finally:
            if partial.exists():
                shutil.rmtree(partial)
        return {name: str(path) for name, path in final.items()}

    def _write_all(
        self, stems: dict[str, torch.Tensor], folder: Path, rates: tuple[int, int], length: int
    ) -> dict[str, Path]:
        """Resample each stem back to the input's rate and length, then write it."""
        model_rate, rate = rates
        written = {}
        names = list(stems)
        for index, name in enumerate(names):
            samples = resample(stems.pop(name).cpu().numpy(), model_rate, rate, length)
            peak = float(np.abs(samples).max(initial=0.0))
            if peak > 1.0:
                self.warnings.append(f"clipping in {name}: peak {20 * np.log10(peak):+.1f} dBFS, limited to full scale")
            written[name] = folder / f"{name}.{self.request.format}"
            write_stem(written[name], samples, rate)
            self._step(PERCENT_SEPARATED + (99 - PERCENT_SEPARATED) * (index + 1) // len(names))
        return written

    def _check_input(self, samples: np.ndarray, seconds: float) -> None:
        if seconds < SHORT_INPUT_SECONDS:
            self.warnings.append(f"very short input ({seconds:.1f} s): separation quality may be poor")
        if float(np.abs(samples).max(initial=0.0)) < SILENT_PEAK:
            self.warnings.append("silent input: the stems are silent too")
