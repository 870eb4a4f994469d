"""Stored audio read as a stream of fixed-size stereo float32 blocks.

Files are decoded frame by frame through PyAV, so memory stays flat however
long the file is. Used to draw waveforms and to render mixes from stems.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

# One decoder for the library and the local runner (which may not import the library).
from audio.engines.local.audio_io import BLOCK_FRAMES, read_blocks

__all__ = ["BLOCK_FRAMES", "read_blocks", "read_together", "sample_rate"]


def sample_rate(path: Path) -> int:
    """The sample rate of the first audio stream of ``path``."""
    with av.open(str(path)) as container:
        return container.streams.audio[0].rate


def read_together(paths: list[Path], *, rate: int, block_frames: int = BLOCK_FRAMES) -> Iterator[list[np.ndarray]]:
    """Yield aligned blocks of several files at once, one per file, all the same length.

    A file that ends early is padded with silence up to the longest one.
    """
    readers = [read_blocks(path, rate=rate, block_frames=block_frames) for path in paths]
    for blocks in itertools.zip_longest(*readers):
        length = max(block.shape[1] for block in blocks if block is not None)
        yield [_padded(block, length) for block in blocks]


def _padded(block: np.ndarray | None, length: int) -> np.ndarray:
    if block is None:
        return np.zeros((2, length), dtype=np.float32)
    if block.shape[1] < length:
        return np.pad(block, ((0, 0), (0, length - block.shape[1])))
    return block
