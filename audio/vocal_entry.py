"""Where the singing starts: the local Spleeter model's vocals, window by window.

Used to start a preview where a listener can judge the vocals. The search stops
at the first window that has sustained vocals, so it costs a few seconds of
separation for a typical song.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import soundfile

from audio.engines.base import STEMS_TWO, SeparationRequest
from audio.engines.registry import get_engine
from audio.excerpts import write_excerpt

logger = logging.getLogger(__name__)
DETECTION_MODEL = "spleeter_2stems"
WINDOW_SECONDS = 30.0
SEARCH_SECONDS = 180.0
FRAME_SECONDS = 0.5
# A frame sings when its vocals are at most this far below the whole mix's level...
VOCAL_LEVEL_DB = -18.0
# ...for this many frames in a row (what leaks into the vocals does not last).
SUSTAIN_FRAMES = 4


def find_vocal_entry(*, source: Path, duration: float, work_dir: Path, cancel: threading.Event) -> float | None:
    """Seconds from the start where sustained vocals begin, or None if none in the search span.

    Raises the engine's errors (e.g. EngineCancelled)."""
    engine = get_engine("local")
    start = 0.0
    while start < min(duration, SEARCH_SECONDS):
        folder = work_dir / f"vocal-scan-{int(start)}"
        folder.mkdir(parents=True)
        excerpt = folder / "window.wav"
        seconds = write_excerpt(source, excerpt, start=start, seconds=WINDOW_SECONDS)
        result = engine.separate(
            SeparationRequest(
                input_path=excerpt,
                work_dir=folder / "stems",
                model=DETECTION_MODEL,
                stems=STEMS_TWO,
                output_format="wav",
                input_seconds=seconds,
            ),
            progress=lambda _percent: None,
            cancel=cancel,
        )
        vocals, rate = soundfile.read(str(result.stems["vocals"]), dtype="float32")
        onset = first_sustained_vocals(vocals, soundfile.read(str(excerpt), dtype="float32")[0], rate=rate)
        if onset is not None:
            logger.info("Vocals of %s start at %.1f s", source.name, start + onset)
            return start + onset
        start += WINDOW_SECONDS
    return None


def _frame_rms(samples: np.ndarray, frame: int) -> np.ndarray:
    count = len(samples) // frame
    framed = samples[: count * frame].reshape(count, frame, -1)
    return np.sqrt(np.mean(framed**2, axis=(1, 2)))


def first_sustained_vocals(vocals: np.ndarray, mix: np.ndarray, *, rate: int) -> float | None:
    """Offset in seconds of the first run of SUSTAIN_FRAMES loud vocal frames."""
    frame = int(FRAME_SECONDS * rate)
    mix_level = float(np.sqrt(np.mean(mix**2))) if mix.size else 0.0
    if mix_level == 0.0:
        return None
    loud = _frame_rms(vocals, frame) >= mix_level * 10 ** (VOCAL_LEVEL_DB / 20)
    run = 0
    for index, is_loud in enumerate(loud):
        run = run + 1 if is_loud else 0
        if run == SUSTAIN_FRAMES:
            return (index - SUSTAIN_FRAMES + 1) * FRAME_SECONDS
    return None
