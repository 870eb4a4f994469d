"""The streaming separator with the real Spleeter weights: when each output frame is ready,
the end of a stream, silence, and independence from how the input is cut."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audio.engines.local.spleeter.separator import SpleeterSeparator
from live.delivery import Delivery
from live.separator import DEFAULT_LATENCY_MS, SETTINGS, STEMS, StreamSeparator, separate_together, setting_for
from tests.audio.mixtures import render_mixture


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


def test_streams_separated_together_come_out_as_each_alone(model):
    """A model process separates every stream it serves in one pass; each stream's output is
    what it would have been alone, whatever its setting and however its input was cut."""
    audios = [music(3.0, seed=seed) for seed in (4, 5, 6)]
    settings = [setting_for(None), setting_for(250), setting_for(None)]
    alone = [stream(StreamSeparator(model, setting), audio, [1024]) for audio, setting in zip(audios, settings)]
    separators = [StreamSeparator(model, setting) for setting in settings]
    pieces = [{stem: [] for stem in STEMS} for _ in audios]
    rng = np.random.default_rng(2)
    positions = [0, 0, 0]
    batches = 0
    while any(position < audio.shape[1] for position, audio in zip(positions, audios)):
        for index, (separator, audio) in enumerate(zip(separators, audios)):
            size = int(rng.integers(128, 8192))
            separator.add(audio[:, positions[index] : positions[index] + size])
            positions[index] += size
        runs = separate_together(separators)
        batches += sum(1 for n in runs if n) > 1
        for separator, outputs in zip(separators, pieces):
            out = separator.take()
            for stem in STEMS:
                outputs[stem].append(out.stems[stem])
    assert batches > 5, "several streams shared a pass"
    for separator, outputs, expected, audio in zip(separators, pieces, alone, audios):
        out = separator.finish()
        for stem in STEMS:
            together = np.concatenate([*outputs[stem], out.stems[stem]], axis=1)
            assert together.shape == audio.shape
            assert np.max(np.abs(together - expected[stem])) < 1e-4


def test_output_already_sent_dry_is_skipped_and_what_follows_is_unchanged(model):
    """A stream that fell behind: the frames whose output went out dry are never separated, and
    the output from the skip point on is exactly the separation."""
    audio = music(4.0, seed=7)
    setting = setting_for(None)
    expected = stream(StreamSeparator(model, setting), audio, [1024])
    separator = StreamSeparator(model, setting)
    separator.add(audio[:, : 2 * 44100])  # the model is late: two seconds arrive at once
    sent_dry = 44100 + 12345  # and the output before this frame went out dry meanwhile
    separator.skip_before(sent_dry)
    assert separator.skipped_frames > 40
    caught_up = separator.feed(np.zeros((2, 0), dtype=np.float32))
    pieces = {stem: [caught_up.stems[stem]] for stem in STEMS}
    for position in range(2 * 44100, audio.shape[1], 1024):
        out = separator.feed(audio[:, position : position + 1024])
        for stem in STEMS:
            pieces[stem].append(out.stems[stem])
    out = separator.finish()
    for stem in STEMS:
        streamed = np.concatenate([*pieces[stem], out.stems[stem]], axis=1)
        assert streamed.shape == audio.shape
        assert np.max(np.abs(streamed[:, sent_dry:] - expected[stem][:, sent_dry:])) < 1e-4


def test_an_instrumental_passage_leaves_the_vocals_stem_silent(model, tmp_path):
    """The vocals gate: the model's faint bleed into the vocals of a passage with no voice is
    silenced (not left to chatter) and stays in the instrumental."""
    accompaniment = render_mixture(tmp_path, seconds=6.0).accompaniment
    stems = stream(StreamSeparator(model, setting_for(None)), accompaniment, [1024])
    offline = model.separate(torch.from_numpy(accompaniment))
    assert np.any(offline["vocals"].numpy()), "the model alone leaves some bleed"
    assert not np.any(stems["vocals"]), "gated to silence"
    together = (offline["vocals"] + offline["accompaniment"]).numpy()
    assert np.max(np.abs(stems["accompaniment"] - together)) < 1e-3, "the bleed stays in the instrumental"
