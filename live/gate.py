"""The vocals gate of a live stream: vocals too quiet to be singing are silenced, so the model's
bleed in an instrumental passage does not chatter in the vocals stem.

The gate looks at the separated vocals in blocks of BLOCK samples counted from the stream's
first sample. It opens on a block at OPEN_DBFS or louder, stays open HOLD_BLOCKS more blocks,
and closes once a block is CLOSE_DBFS or quieter (between the two it keeps its state, so a level
hovering at the threshold does not toggle it). Gain changes are RAMP-sample linear fades at a
block's start. What the gate takes from the vocals goes to the accompaniment: the stems still
add up to the input, and silence in is silence out.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1024
OPEN_DBFS = -50.0
CLOSE_DBFS = -56.0
HOLD_BLOCKS = 8  # 186 ms
RAMP = 256


def _dbfs(samples: np.ndarray) -> float:
    power = float(np.mean(np.square(samples, dtype=np.float64))) if samples.size else 0.0
    return 10 * np.log10(power) if power > 0 else -np.inf


class VocalsGate:
    def __init__(self) -> None:
        self.gain = 0.0  # closed until vocals come
        self.hold = 0

    def apply(self, start: int, vocals: np.ndarray, accompaniment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gate samples ``start`` .. of the (channels, n) stems, which follow the ones gated before."""
        vocals, accompaniment = vocals.copy(), accompaniment.copy()
        position = start
        end = start + vocals.shape[1]
        while position < end:
            stop = min(end, (position // BLOCK + 1) * BLOCK)
            piece = slice(position - start, stop - start)
            gain = self._gains(vocals[:, piece], ends_block=stop % BLOCK == 0)
            moved = vocals[:, piece] * (1 - gain)
            vocals[:, piece] -= moved
            accompaniment[:, piece] += moved
            position = stop
        return vocals, accompaniment

    def apply_to_tails(self, vocals: np.ndarray, accompaniment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The provisional samples after the gated ones, at the gate's present gain."""
        moved = vocals * (1 - self.gain)
        return vocals - moved, accompaniment + moved

    def _gains(self, block: np.ndarray, *, ends_block: bool) -> np.ndarray:
        """The gain over this block (or the part of it given now), from the gate's state and the
        block's level; the hold counts whole blocks, however the stream is cut."""
        level = _dbfs(block)
        if level >= OPEN_DBFS:
            target, self.hold = 1.0, HOLD_BLOCKS
        elif level <= CLOSE_DBFS and self.hold > 0:
            target, self.hold = 1.0, self.hold - ends_block
        elif level <= CLOSE_DBFS:
            target = 0.0
        else:
            target = self.gain
        ramp = min(RAMP, block.shape[1])
        gains = np.full(block.shape[1], target, dtype=np.float32)
        gains[:ramp] = self.gain + (target - self.gain) * (np.arange(1, ramp + 1, dtype=np.float32) / ramp)
        self.gain = target
        return gains
