"""One separation inside the runner, as a stream: memory does not grow with the track.

Two passes over the input, each decoding it block by block: the first measures it
(its length, the mean and spread Demucs normalises by, the original's waveform
and loudness); the second feeds the model through a sliding window, and each
finished stretch of every stem is resampled back to the input's rate, written to
its file and measured for its waveform and loudness on the way.

Stems are written into ``<output_dir>/.partial-<id>/`` and renamed into
``output_dir`` only once all of them are complete, so a failed job leaves nothing behind.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from audio.engines.base import STEMS_TWO, EngineCancelled, EngineRejectedInput
from audio.engines.levels import PEAK_BINS, Levels, level_dbfs
from audio.engines.local.audio_io import Resampler, StemWriter, decode_blocks, input_rate, resampled
from audio.engines.local.catalog import output_stems
from audio.engines.local.models import ModelCache
from audio.engines.local.protocol import SeparateRequest
from audio.engines.local.window import MixStats, Window

logger = logging.getLogger(__name__)

PERCENT_LOADED = 2
PERCENT_MEASURED = 5
PERCENT_SEPARATED = 99
SHORT_INPUT_SECONDS = 5.0
SILENT_PEAK = 1e-4  # -80 dBFS


@dataclass(frozen=True)
class Measured:
    """What the first pass learns: lengths at the input's and the model's rate, the
    model-rate mix's statistics, and the original's levels."""

    rate: int
    length: int
    model_length: int
    stats: MixStats
    levels: Levels

    @property
    def seconds(self) -> float:
        return self.length / self.rate


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

    def run(self) -> tuple[dict[str, str], dict, dict]:
        """Stem name -> final path, the result meta and the levels (waveforms and loudness).

        Raises EngineError subclasses.
        """
        started = time.monotonic()
        self.request.validate()
        path = Path(self.request.input)
        rate = input_rate(path)
        cached = self.cache.get(self.request.model)
        self._step(PERCENT_LOADED)
        measured = self._measure(path, rate, cached.model.samplerate)
        self._step(PERCENT_MEASURED)
        compute_started = time.monotonic()
        paths, levels = self._separate(cached.model, path, measured)
        compute_seconds = time.monotonic() - compute_started
        runtime = time.monotonic() - started
        self._check_input(measured)
        meta = {
            "model": self.request.model,
            "model_version": cached.model.version,
            "device": self.cache.device,
            "threads": torch.get_num_threads(),
            "warm": cached.warm,
            "model_load_seconds": round(cached.load_seconds, 3),
            "separation_seconds": round(compute_seconds, 3),
            "runtime_seconds": round(runtime, 3),
            "input_seconds": round(measured.seconds, 3),
            "real_time_factor": round(runtime / max(measured.seconds, 1e-9), 4),
            "samplerate": rate,
            "warnings": self.warnings,
        }
        return paths, meta, levels

    def _step(self, percent: int) -> None:
        if self.cancelled.is_set():
            raise EngineCancelled("The separation was cancelled.")
        self.report(percent)

    def _input(self, path: Path, rate: int, levels: Levels | None = None) -> Iterator[np.ndarray]:
        """The input's blocks at its own rate; a cancel stops the decoding."""
        for block in decode_blocks(path, rate):
            self._step(0)
            if levels is not None:
                levels.add(block)
            yield block

    def _measure(self, path: Path, rate: int, model_rate: int) -> Measured:
        """First pass: lengths, the model-rate mono mix's mean and deviation, the original's levels."""
        levels = Levels()
        blocks = self._input(path, rate, levels)
        total = squares = 0.0
        count = 0
        for block in resampled(blocks, rate, model_rate):
            mono = block.mean(axis=0, dtype=np.float64)
            total, squares, count = total + float(mono.sum()), squares + float(np.square(mono).sum()), count + mono.size
        if not levels.frames:
            raise EngineRejectedInput(f"{path.name} contains no audio samples.")
        mean = total / count
        spread = math.sqrt(max(0.0, squares - count * mean * mean) / max(1, count - 1))
        model_length = round(levels.frames * model_rate / rate)
        return Measured(rate, levels.frames, model_length, MixStats(mean, spread), levels)

    def _separate(self, model, path: Path, measured: Measured) -> tuple[dict[str, str], dict]:
        """Second pass: separate through a window, write and measure each stem as it comes."""
        output_dir = Path(self.request.output_dir)
        partial = output_dir / f".partial-{self.request.id}"
        partial.mkdir()
        try:
            names = output_stems(self.request.model, self.request.stems)
            sinks = StemSinks(partial, names, self.request.format, model.samplerate, measured.rate, measured.length)
            window = Window(
                resampled(self._input(path, measured.rate), measured.rate, model.samplerate, measured.model_length),
                measured.model_length,
            )
            span = PERCENT_SEPARATED - PERCENT_MEASURED
            progress = lambda fraction: self._step(PERCENT_MEASURED + int(span * fraction))  # noqa: E731
            with sinks:
                for start, sources in model.stream(window, measured.stats, progress):
                    if self.request.stems == STEMS_TWO:
                        mix = window.get(start, start + sources["vocals"].shape[-1])
                        sources = {"vocals": sources["vocals"], "instrumental": mix - sources["vocals"]}
                    sinks.add(sources)
            self.warnings += sinks.clipping()
            final = {name: output_dir / written.name for name, written in sinks.paths.items()}
            for name, written in sinks.paths.items():
                written.rename(final[name])
        finally:
            if partial.exists():
                shutil.rmtree(partial)
        self._step(PERCENT_SEPARATED)
        levels = sinks.levels(original=measured.levels, rate=measured.rate)
        return {name: str(path) for name, path in final.items()}, levels

    def _check_input(self, measured: Measured) -> None:
        if measured.seconds < SHORT_INPUT_SECONDS:
            self.warnings.append(f"very short input ({measured.seconds:.1f} s): separation quality may be poor")
        if measured.levels.peak < SILENT_PEAK:
            self.warnings.append("silent input: the stems are silent too")


class StemSinks:
    """Every stem's way out: back to the input's rate and exact length, into its file,
    through its levels; and the loudness of their sum (the mix they split)."""

    def __init__(self, folder: Path, names: tuple[str, ...], fmt: str, model_rate: int, rate: int, length: int):
        self.paths = {name: folder / f"{name}.{fmt}" for name in names}
        self.resamplers = {name: Resampler(model_rate, rate) for name in names} if model_rate != rate else None
        self.writers = {name: StemWriter(path, rate) for name, path in self.paths.items()}
        self.stem_levels = {name: Levels() for name in names}
        self.length = length
        self.written = 0
        self.mix_squares = 0.0

    def add(self, sources: dict[str, torch.Tensor]) -> None:
        blocks = {name: source.cpu().numpy() for name, source in sources.items()}
        if self.resamplers is not None:
            blocks = {name: _joined(self.resamplers[name].push(block)) for name, block in blocks.items()}
        self._write(blocks)

    def _write(self, blocks: dict[str, np.ndarray]) -> None:
        """Write aligned blocks (all the same length), cut at the input's length."""
        keep = min(self.length - self.written, next(iter(blocks.values())).shape[-1])
        if keep <= 0:
            return
        mix = np.zeros((2, keep), dtype=np.float32)
        for name, block in blocks.items():
            block = block[:, :keep]
            self.writers[name].write(block)
            self.stem_levels[name].add(block)
            mix += block
        self.mix_squares += sum(float(np.dot(channel, channel)) for channel in mix)
        self.written += keep

    def __enter__(self) -> StemSinks:
        return self

    def __exit__(self, error_type: type | None, *_: object) -> None:
        if error_type is None:
            if self.resamplers is not None:
                self._write({name: _joined(resampler.flush()) for name, resampler in self.resamplers.items()})
            while self.written < self.length:  # the resampler's output may fall a few samples short
                silence = np.zeros((2, min(self.length - self.written, 1 << 16)), dtype=np.float32)
                self._write(dict.fromkeys(self.writers, silence))
        for writer in self.writers.values():
            writer.close()

    def clipping(self) -> list[str]:
        return [
            f"clipping in {name}: peak {20 * math.log10(levels.peak):+.1f} dBFS, limited to full scale"
            for name, levels in self.stem_levels.items()
            if levels.peak > 1.0
        ]

    def levels(self, *, original: Levels, rate: int) -> dict:
        """The waveforms and loudness of the original and the stems (see audio.waveforms)."""

        def entry(levels: Levels) -> dict:
            return {**levels.summary(rate, PEAK_BINS), "rms_dbfs": levels.rms_dbfs()}

        return {
            "original": entry(original),
            "mix_rms_dbfs": level_dbfs(self.mix_squares, self.written),
            "stems": {name: entry(levels) for name, levels in self.stem_levels.items()},
        }


def _joined(blocks: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((2, 0), dtype=np.float32)
