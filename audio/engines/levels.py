"""Waveform peaks and loudness of a stream of stereo blocks, in memory that does not grow.

One accumulator per file: the local runner feeds it the stems while it writes them
(and the input while it reads it), and the library (``audio.waveforms``) feeds it
decoded files when no engine did. Min and max are kept per bin of ``width``
frames, channels folded together; when the bins pass MAX_BINS, neighbours are
merged in pairs and the width doubles, so a three-hour file holds as few bins as
a three-minute one. ``summary`` regroups them into at most ``bins`` evenly spaced
(min, max) pairs quantized to -PEAK_SCALE..PEAK_SCALE.
"""

from __future__ import annotations

import math

import numpy as np

FIRST_BIN_FRAMES = 256
MAX_BINS = 8192  # even: merging in pairs leaves no bin behind
PEAK_SCALE = 127
PEAK_BINS = 1000  # (min, max) pairs a file's waveform is drawn with, whatever its length
_EMPTY = (0, math.inf, -math.inf)


class Levels:
    """Min/max bins and the sum of squares of a stream of (2, n) float blocks."""

    def __init__(self) -> None:
        self.width = FIRST_BIN_FRAMES
        self.lows = np.zeros(0, dtype=np.float32)
        self.highs = np.zeros(0, dtype=np.float32)
        self.frames = 0
        self.square_sum = 0.0
        self.peak = 0.0
        # The bin being filled: its frames so far, min and max.
        self._open = _EMPTY

    def add(self, block: np.ndarray) -> None:
        if not block.shape[-1]:
            return
        self.frames += block.shape[-1]
        self.square_sum += sum(float(np.dot(channel, channel)) for channel in block)  # one BLAS pass each
        low, high = block.min(axis=0), block.max(axis=0)
        self.peak = max(self.peak, float(-low.min()), float(high.max()))
        while low.size:
            filled, open_low, open_high = self._open
            if filled or low.size < self.width:
                take = min(self.width - filled, low.size)
                open_low = min(open_low, float(low[:take].min()))
                open_high = max(open_high, float(high[:take].max()))
                low, high, filled = low[take:], high[take:], filled + take
                if filled < self.width:
                    self._open = (filled, open_low, open_high)
                    continue
                self._open = _EMPTY
                self._append(np.array([open_low], np.float32), np.array([open_high], np.float32))
                continue
            whole = low.size - low.size % self.width
            lows = low[:whole].reshape(-1, self.width).min(axis=1)
            highs = high[:whole].reshape(-1, self.width).max(axis=1)
            low, high = low[whole:], high[whole:]
            self._append(lows, highs)

    def _append(self, lows: np.ndarray, highs: np.ndarray) -> None:
        self.lows = np.concatenate([self.lows, lows])
        self.highs = np.concatenate([self.highs, highs])
        while self.lows.size >= MAX_BINS:
            even = self.lows.size - self.lows.size % 2
            if even < self.lows.size:  # the odd last bin becomes half of the open one
                filled, open_low, open_high = self._open
                self._open = (
                    filled + self.width,
                    min(open_low, float(self.lows[-1])),
                    max(open_high, float(self.highs[-1])),
                )
            self.lows = self.lows[:even].reshape(-1, 2).min(axis=1)
            self.highs = self.highs[:even].reshape(-1, 2).max(axis=1)
            self.width *= 2

    def rms_dbfs(self) -> float | None:
        """RMS over both channels in dBFS; None for digital silence."""
        return level_dbfs(self.square_sum, self.frames)

    def summary(self, rate: int, bins: int) -> dict:
        """``{"seconds", "peaks"}``: at most ``bins`` (min, max) pairs, flattened."""
        lows, highs = self.lows, self.highs
        filled, open_low, open_high = self._open
        if filled:
            lows, highs = np.append(lows, open_low), np.append(highs, open_high)
        pairs: list[int] = []
        if len(lows):
            # Evenly spaced group starts, so pair i always covers the same share of time.
            starts = np.unique(np.linspace(0, len(lows), min(bins, len(lows)), endpoint=False).astype(int))
            for low, high in zip(np.minimum.reduceat(lows, starts), np.maximum.reduceat(highs, starts)):
                pairs += [_quantize(low), _quantize(high)]
        return {"seconds": round(self.frames / rate, 3), "peaks": pairs}


def _quantize(value: float) -> int:
    return round(max(-1.0, min(1.0, float(value))) * PEAK_SCALE)


def level_dbfs(square_sum: float, frames: int) -> float | None:
    """RMS of stereo audio in dBFS from its sum of squares; None for silence."""
    return 10 * math.log10(square_sum / (2 * frames)) if square_sum > 0 and frames else None


def amplitude_db(value: float) -> float:
    """An amplitude (a peak against full scale, or a gain) in dB; -inf for 0."""
    return 20 * math.log10(value) if value > 0 else -math.inf
