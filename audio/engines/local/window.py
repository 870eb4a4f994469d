"""A sliding window over a stream of audio blocks, for models that separate in segments.

The models read the track through a Window (``get``) and say which samples they
will never read again (``release``), so only a few segments of the track are in
memory at once. A TensorWindow serves a track already in memory the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class MixStats:
    """Mean and standard deviation of the whole track's mono mix (Demucs normalises by them)."""

    mean: float
    std: float


class Window:
    """A sliding view of a stream of (2, n) blocks ``length`` samples long, as torch tensors.

    ``get(start, stop)`` reads any range from the oldest kept sample on, zeros
    outside 0..length; ``release(before)`` forgets the samples before ``before``.
    """

    def __init__(self, blocks: Iterator[np.ndarray], length: int):
        self.blocks = blocks
        self.length = length
        self.base = 0  # position of kept[0]
        self.kept = torch.zeros(2, 0)

    def get(self, start: int, stop: int) -> torch.Tensor:
        if max(start, 0) < self.base:
            raise ValueError(f"samples before {self.base} were released")
        inside_stop = min(stop, self.length)
        have, arrived = self.base + self.kept.shape[1], []
        while have < inside_stop:
            arrived.append(torch.from_numpy(np.asarray(next(self.blocks), dtype=np.float32)))
            have += arrived[-1].shape[1]
        if arrived:
            self.kept = torch.cat([self.kept, *arrived], dim=1)
        lo, hi = max(start, 0), max(min(inside_stop, stop), max(start, 0))
        inside = self.kept[:, lo - self.base : hi - self.base]
        before = min(max(-start, 0), stop - start)
        return torch.nn.functional.pad(inside, (before, stop - start - before - inside.shape[1]))

    def release(self, before: int) -> None:
        drop = min(before - self.base, self.kept.shape[1])
        if drop > 0:
            self.kept = self.kept[:, drop:].clone()
            self.base += drop


class TensorWindow(Window):
    """A Window over a tensor already in memory (the whole-track path)."""

    def __init__(self, mix: torch.Tensor):
        super().__init__(iter(()), mix.shape[-1])
        self.kept = mix

    def release(self, before: int) -> None:
        return  # the caller holds the whole tensor anyway
