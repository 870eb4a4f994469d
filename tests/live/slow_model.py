"""A live model that stalls for a while, to see the stream go dry and come back.

Loaded in the live model process through LIVE_MODEL_LOADER=tests.live.slow_model.load:
the real Spleeter nets, but passes STALL_FROM .. STALL_TO - 1 each take STALL_SECONDS more.
"""

from __future__ import annotations

import time

from audio.engines.local.spleeter.separator import SpleeterSeparator

STALL_FROM, STALL_TO = 4, 6
STALL_SECONDS = 1.0


class StallingModel:
    def __init__(self, model: SpleeterSeparator) -> None:
        self.model = model
        self.window = model.window
        self.device = model.device
        self.calls = 0

    def masks(self, spectrum, block_frames):
        self.calls += 1
        if STALL_FROM <= self.calls < STALL_TO:
            time.sleep(STALL_SECONDS)
        return self.model.masks(spectrum, block_frames=block_frames)


def load() -> StallingModel:
    return StallingModel(SpleeterSeparator.load())
