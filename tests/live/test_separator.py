"""The streaming separator with the real Spleeter weights: when each output frame is ready,
the end of a stream, silence, and independence from how the input is cut."""

from __future__ import annotations

import numpy as np
import pytest

from audio.engines.local.spleeter.separator import SpleeterSeparator
from live.delivery import Delivery
from live.separator import DEFAULT_LATENCY_MS, SETTINGS, STEMS, StreamSeparator, setting_for


@pytest.fixture(scope="module")
def model() -> SpleeterSeparator:
    return SpleeterSeparator.load()


def music(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 44100)) / 44100
    tone = sum(np.sin(2 * np.pi * f * t) * (1 + np.sin(2 * np.pi * 0.5 * t)) for f in rng.uniform(110, 880, 4))
    noise = 0.02 * rng.standard_normal((2, len(t)))
    return (0.1 * tone + noise).astype(np.float32)


def stream(separator: StreamSeparator, audio: np.ndarray, sizes: list[int]) -> dict[str, np.ndarray]:
    outputs = {stem: [] for stem in STEMS}
    position, turn = 0, 0
    while position < audio.shape[1]:
        size = sizes[turn % len(sizes)]
        out = separator.feed(audio[:, position : position + size])
        position, turn = position + size, turn + 1
        for stem in STEMS:
            outputs[stem].append(out.stems[stem])
    out = separator.finish()
    return {stem: np.concatenate([*pieces, out.stems[stem]], axis=1) for stem, pieces in outputs.items()}


def test_the_default_is_within_500_ms_and_the_low_latency_setting_within_250():
    assert setting_for(None).latency_ms <= DEFAULT_LATENCY_MS
    assert setting_for(None) == setting_for(500)
    assert setting_for(250).latency_ms <= 250
    assert setting_for(1) == SETTINGS[0], "under every setting: the lowest"
    assert setting_for(10_000) == SETTINGS[-1]
    assert [s.latency_samples for s in SETTINGS] == sorted(s.latency_samples for s in SETTINGS)


@pytest.mark.parametrize("setting", [setting_for(250), setting_for(None)], ids=["low", "default"])
def test_output_frame_k_is_separated_once_input_frame_k_plus_latency_has_arrived(model, setting):
    """With the model's answer at once, nothing is ever sent dry, and after n input frames
    exactly the frames before n - L go out."""
    audio = music(3.0)
    separator = StreamSeparator(model, setting)
    delivery = Delivery(stems=STEMS, channels=2, latency=setting.latency_samples)
    rng = np.random.default_rng(1)
    position = 0
    while position < audio.shape[1]:
        size = int(rng.integers(128, 8192))
        piece = audio[:, position : position + size]
        position += piece.shape[1]
        delivery.add_input((piece.T * 32767).astype(np.int16))
        delivery.add_wet(separator.feed(piece))
        chunk = delivery.take(delivery.due())
        assert delivery.sent == max(0, position - setting.latency_samples)
        assert chunk is None or chunk.dry == 0, f"frames due after {position} input frames were not separated"
    delivery.add_wet(separator.finish())
    last = delivery.take(delivery.received)
    assert last.dry == 0 and delivery.sent == audio.shape[1]
    assert delivery.fallback_frames == 0


def test_end_gives_every_input_frame_its_output(model):
    audio = music(3.3)[:, :145_001]  # not a whole number of hops
    stems = stream(StreamSeparator(model, setting_for(None)), audio, [1000])
    for stem in STEMS:
        assert stems[stem].shape == audio.shape


def test_silence_in_silence_out(model):
    audio = np.zeros((2, 2 * 44100), dtype=np.float32)
    stems = stream(StreamSeparator(model, setting_for(None)), audio, [4096])
    for stem in STEMS:
        assert not np.any(stems[stem])


def test_how_the_input_is_cut_does_not_change_the_output(model):
    audio = music(3.0, seed=3)
    small = stream(StreamSeparator(model, setting_for(None)), audio, [700, 128])
    large = stream(StreamSeparator(model, setting_for(None)), audio, [16384])
    for stem in STEMS:
        assert np.max(np.abs(small[stem] - large[stem])) < 1e-4
