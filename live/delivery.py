"""Which output a live stream sends, and when: separated audio when the model has it,
the dry input when it is late, crossfaded both ways.

Output frame k of every stem goes out once input frame k + latency has arrived
(``due``). Frames the model has not separated by then are sent dry: each stem gets
its share of the input (DRY_SHARE; the stems still add up to the input), and the
change is a TAIL-sample crossfade: into the dry signal from the model's provisional
continuation of its last output, back from the dry signal into the model's output.
A late result for frames already sent is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from live.separator import TAIL, Output

DRY_SHARE = 0.5  # of the input, per stem of the two: vocals + accompaniment = input


@dataclass
class Chunk:
    """Frames ``start`` .. ``start + n`` of each stem, float32 (channels, n); ``dry`` of them were dry."""

    start: int
    stems: dict[str, np.ndarray]
    dry: int


def _ramp(length: int) -> np.ndarray:
    return ((np.arange(length) + 0.5) / length).astype(np.float32)


class Delivery:
    def __init__(self, *, stems: Sequence[str], channels: int, latency: int) -> None:
        self.stems = tuple(stems)
        self.latency = latency
        self.received = 0
        self.sent = 0
        self.fallback_frames = 0
        self._dry = np.zeros((channels, 0), dtype=np.float32)  # input from ``sent`` on
        self._wet = {stem: np.zeros((channels, 0), dtype=np.float32) for stem in self.stems}
        self._wet_start = 0  # the model's output is held from here (``sent`` or later) ...
        self.wet_end = 0  # ... to here
        self._tails: dict[str, np.ndarray] | None = None
        self._was_wet = True  # the frame before ``sent`` was the model's (or the stream's start)

    def add_input(self, frames: np.ndarray) -> None:
        """int16 (n, channels) input, as received."""
        samples = frames.T.astype(np.float32) / 32768.0
        self._dry = np.concatenate([self._dry, samples], axis=1)
        self.received += samples.shape[1]

    def add_wet(self, output: Output) -> None:
        """The model's next output (it starts where the previous one ended)."""
        for stem in self.stems:
            self._wet[stem] = np.concatenate([self._wet[stem], output.stems[stem]], axis=1)
        self.wet_end = output.start + output.stems[self.stems[0]].shape[1]
        self._tails = output.tails
        self._trim()

    def _trim(self) -> None:
        """Forget the model's output before ``sent`` (sent already, or sent dry)."""
        drop = min(self.sent, self.wet_end) - self._wet_start
        if drop > 0:
            for stem in self.stems:
                self._wet[stem] = self._wet[stem][:, drop:]
            self._wet_start += drop

    def due(self) -> int:
        """Output frames before this may go out now."""
        return max(self.sent, self.received - self.latency)

    def take(self, upto: int) -> Chunk | None:
        """Frames ``sent`` .. ``upto`` of each stem, and how many were dry; None when there are none."""
        count = upto - self.sent
        if count <= 0:
            return None
        start = self.sent
        dry = self._dry[:, :count]
        wet_count = min(max(self.wet_end - start, 0), count)
        stems = {}
        for stem in self.stems:
            out = np.empty_like(dry)
            out[:, wet_count:] = dry[:, wet_count:] * DRY_SHARE
            if wet_count:
                out[:, :wet_count] = self._wet[stem][:, :wet_count]
                if not self._was_wet:
                    fade = min(TAIL, wet_count)
                    ramp = _ramp(fade)
                    out[:, :fade] = out[:, :fade] * ramp + dry[:, :fade] * DRY_SHARE * (1 - ramp)
            if wet_count < count and (wet_count or self._was_wet) and self._tails is not None:
                fade = min(TAIL, count - wet_count)
                ramp = _ramp(fade)
                tail = self._tails[stem][:, :fade]
                out[:, wet_count : wet_count + fade] = tail * (1 - ramp) + out[:, wet_count : wet_count + fade] * ramp
            stems[stem] = out
        self._was_wet = wet_count == count
        self._dry = self._dry[:, count:]
        self.sent = upto
        self._trim()
        self.fallback_frames += count - wet_count
        return Chunk(start, stems, count - wet_count)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float32 (channels, n) -> int16 (n, channels), clipped."""
    return np.clip(np.round(samples.T * 32768.0), -32768, 32767).astype("<i2")
