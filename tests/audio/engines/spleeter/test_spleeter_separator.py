"""The Spleeter separator's contract: shapes, edge cases, progress and segmenting."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from audio.engines.local.spleeter.separator import HOP, T_FRAMES, SpleeterSeparator
from tests.audio.mixtures import render_mixture, sdr

BLOCK_SAMPLES = T_FRAMES * HOP


def _noise(length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return 0.1 * torch.randn(2, length, generator=generator)


@pytest.mark.parametrize(
    "length",
    [0, 1, 4410, 44_101, BLOCK_SAMPLES - 2048, BLOCK_SAMPLES + 777],
    ids=["empty", "one-sample", "0.1s", "odd-1s", "just-under-a-block", "just-over-a-block"],
)
def test_stems_have_the_input_length_and_finite_values(separator, length: int) -> None:
    stems = separator.separate(_noise(length))
    assert set(stems) == {"vocals", "accompaniment"}
    for stem in stems.values():
        assert stem.shape == (2, length)
        assert stem.dtype == torch.float32
        assert torch.isfinite(stem).all()


def test_silence_gives_silent_stems(separator) -> None:
    stems = separator.separate(torch.zeros(2, 3 * 44100))
    for stem in stems.values():
        assert torch.isfinite(stem).all()
        assert stem.abs().max().item() == 0.0


def test_stems_add_up_to_the_mix_below_the_masked_band(separator) -> None:
    """Masks sum to 1 on the lowest 1024 bins (< 11 kHz), up to both ends of the track.

    The tones fade in and out over 256 samples, so nothing of theirs lies above the
    masked band; the first and last 4096 samples are where the overlap-add has
    fewer frames to divide by.
    """
    t = torch.arange(100_003) / 44100
    partials = ((110, 0.3), (987, 1.1), (4100, 2.0))  # Hz, phase
    tones = sum(0.2 * torch.sin(2 * math.pi * f * t + p) for f, p in partials)
    fade = torch.hann_window(512, periodic=False)
    tones[:256] *= fade[:256]
    tones[-256:] *= fade[256:]
    mix = torch.stack([tones, 0.5 * tones])
    stems = separator.separate(mix)
    total = (stems["vocals"] + stems["accompaniment"]).numpy()
    for part in (slice(None), slice(0, 4096), slice(-4096, None)):
        assert sdr(mix.numpy()[:, part], total[:, part]) > 50


def test_progress_rises_from_zero_to_one(separator) -> None:
    seen: list[float] = []
    separator.separate(_noise(BLOCK_SAMPLES + 5000), progress=seen.append)
    assert seen == [0.0, 0.5, 1.0]  # start, then one per segment of one block


@pytest.mark.parametrize(
    "mix, message",
    [
        (torch.zeros(44100), "stereo"),
        (torch.zeros(1, 44100), "stereo"),
        (torch.full((2, 10), math.nan), "NaN"),
    ],
    ids=["1-d", "mono", "nan"],
)
def test_bad_input_is_refused(separator, mix: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        separator.separate(mix)


def test_segmenting_does_not_change_the_result(separator, tmp_path: Path) -> None:
    """A 40 s track in four one-block segments equals one four-block pass.

    Frames that straddle a segment boundary are computed from the same samples and
    overlap-added the same way, so only float rounding may differ.
    """
    mixture = render_mixture(tmp_path, seconds=40.0)
    mix = torch.from_numpy(mixture.mix)
    n_blocks = math.ceil((1 + mix.shape[1] // HOP) / T_FRAMES)
    assert n_blocks == 4
    whole = SpleeterSeparator(separator.nets, version=separator.version, segment_blocks=n_blocks)
    segmented = separator.separate(mix)
    reference = whole.separate(mix)
    for name, stem in segmented.items():
        assert np.abs(stem.numpy() - reference[name].numpy()).max() < 1e-5
        assert sdr(reference[name].numpy(), stem.numpy()) > 100
