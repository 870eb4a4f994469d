"""When the model falls behind a real-time stream, the output goes dry and comes back,
crossfaded, every frame still in place, and `stats` says how many frames were dry."""

from __future__ import annotations

import numpy as np
import pytest

from live.client import stream
from live.delivery import DRY_SHARE
from tests.audio.mixtures import render_mixture
from tests.launched_app import LaunchedApp
from tests.live.conftest import sign_up, socket_url
from tests.live.slow_model import STALL_FROM, STALL_SECONDS, STALL_TO


@pytest.fixture(scope="module")
def stalling_server(tmp_path_factory):
    app = LaunchedApp(
        tmp_path_factory.mktemp("live-stall"), extra_env={"LIVE_MODEL_LOADER": "tests.live.slow_model.load"}
    )
    app.start()
    yield app
    app.stop()


def test_a_stalled_model_falls_back_to_the_dry_input_and_returns(stalling_server, tmp_path):
    user = sign_up(stalling_server, "carol")
    mixture = render_mixture(tmp_path, seconds=12.0)
    # The cheapest setting (the most frames per pass): the model catches up soon after the stall
    # even on a busy machine.
    result = stream(socket_url(stalling_server), [mixture.mix], token=user.token, realtime=True, latency_ms=700)
    final = result.stats[-1]
    frames = mixture.mix.shape[1]
    assert final["frames_in"] == final["frames_out"] == frames
    stalled = (STALL_TO - STALL_FROM) * STALL_SECONDS
    assert 0 < final["fallback_frames"] <= 3 * stalled * 44100, f"dry while stalled, then back: {result.stats}"
    vocals = result.stems["vocals"]
    dry = np.all(np.abs(vocals - DRY_SHARE * mixture.mix) < 2e-4, axis=0)  # int16 rounding
    assert dry.sum() >= 0.8 * final["fallback_frames"], "the frames counted as dry are the input's share"
    # (a frame where the mix is near silence passes for dry too)
    assert dry[-2 * 44100 :].mean() < 0.05, "separated again once the model caught up"
    # Stems add up to about the mix, dry or not; a cut without a crossfade would jump.
    steepest_input = np.max(np.abs(np.diff(mixture.mix, axis=1)))
    for stem in result.stems.values():
        assert np.max(np.abs(np.diff(stem, axis=1))) <= steepest_input * 1.2
