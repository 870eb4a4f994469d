"""The server-side mix: the stems times their gains, summed, as a 16-bit WAV."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.mixdown import MixRejected, mix_gains, mix_render
from tests.audio.mixtures import render_mixture

HALF_STEP = 0.5 / 32768 + 1e-6  # 16-bit rounding, plus float32 summing


@pytest.fixture(scope="module")
def mixture(tmp_path_factory):
    return render_mixture(tmp_path_factory.mktemp("mixture"), seconds=4.0)


def stems_of(mixture):
    return {"vocals": mixture.vocals_path, "accompaniment": mixture.accompaniment_path}


def read(mix) -> np.ndarray:
    samples, rate = soundfile.read(mix.file, dtype="float64", always_2d=True)
    assert rate == 44100
    return samples.T


def test_the_rendered_wav_is_the_sum_of_the_stems_times_the_gains(mixture):
    mix = mix_render(stems=stems_of(mixture), gains={"vocals": 0.35, "accompaniment": 1.2})
    rendered = read(mix)
    expected = 0.35 * mixture.vocals + 1.2 * mixture.accompaniment
    assert rendered.shape == expected.shape == (2, mix.frames)
    assert np.abs(rendered - expected).max() <= HALF_STEP  # 16-bit quantization, nothing more
    assert mix.gain_reduction_db == 0.0


def test_unity_gains_give_back_the_original_mixture(mixture):
    rendered = read(mix_render(stems=stems_of(mixture), gains={"vocals": 1.0, "accompaniment": 1.0}))
    assert np.abs(rendered - mixture.mix).max() <= HALF_STEP


def test_a_muted_stem_is_left_out(mixture):
    rendered = read(mix_render(stems=stems_of(mixture), gains={"vocals": 0.0, "accompaniment": 1.0}))
    assert np.abs(rendered - mixture.accompaniment).max() <= HALF_STEP


def test_a_mix_that_would_clip_is_turned_down_as_a_whole_and_says_so(tmp_path):
    t = np.arange(44100) / 44100
    loud = np.stack([0.8 * np.sin(2 * np.pi * 220 * t)] * 2, axis=1)
    soundfile.write(str(tmp_path / "a.wav"), loud, 44100, subtype="PCM_16")
    soundfile.write(str(tmp_path / "b.flac"), loud, 44100, subtype="PCM_16")
    a, _ = soundfile.read(str(tmp_path / "a.wav"), always_2d=True)
    b, _ = soundfile.read(str(tmp_path / "b.flac"), always_2d=True)
    expected = 2.0 * a.T + 1.5 * b.T  # peaks near 2.8: far over full scale
    mix = mix_render(stems={"a": tmp_path / "a.wav", "b": tmp_path / "b.flac"}, gains={"a": 2.0, "b": 1.5})
    rendered = read(mix)
    scale = (32767 / 32768) / np.abs(expected).max()
    assert mix.gain_reduction_db == pytest.approx(-20 * np.log10(scale), abs=0.01)
    assert mix.gain_reduction_db > 8.9
    assert np.abs(rendered).max() <= 32767 / 32768
    assert np.abs(rendered - scale * expected).max() <= HALF_STEP  # turned down, never clipped


def test_gains_are_checked_with_clear_messages():
    stems = ["accompaniment", "vocals"]
    assert mix_gains(requested={"vocals": "0.5"}, stem_types=stems) == {"accompaniment": 1.0, "vocals": 0.5}
    assert mix_gains(requested={"vocals": 2, "accompaniment": 0}, stem_types=stems) == {
        "accompaniment": 0.0,
        "vocals": 2.0,
    }
    cases = {
        "drums": (1.0, "Unknown stem 'drums'; this job's stems are: accompaniment, vocals."),
        "vocals": (-0.1, "The gain of vocals must be a number from 0 to 2, not -0.1."),
    }
    for stem, (value, message) in cases.items():
        with pytest.raises(MixRejected) as caught:
            mix_gains(requested={stem: value}, stem_types=stems)
        assert caught.value.message == message
    for bad in ("loud", "nan", "inf", 2.01, None, True, [1]):
        with pytest.raises(MixRejected, match="must be a number from 0 to 2"):
            mix_gains(requested={"vocals": bad}, stem_types=stems)
    with pytest.raises(MixRejected, match="Every stem is muted"):
        mix_gains(requested={"vocals": 0, "accompaniment": "0"}, stem_types=stems)
