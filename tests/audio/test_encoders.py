"""Streamed encoders: what they refuse up front."""

from __future__ import annotations

import numpy as np
import pytest

from audio.encoders import EncodingRefused, mp3_stream


def test_mp3_above_48_khz_is_refused_before_any_byte():
    pcm = iter([np.zeros((10, 2), np.int16)])
    with pytest.raises(EncodingRefused, match="MP3 cannot hold 96000 Hz audio; choose WAV or FLAC"):
        mp3_stream(pcm, rate=96000, frames=10)
    assert b"".join(mp3_stream(pcm, rate=48000, frames=10))
