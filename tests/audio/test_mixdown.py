"""The server-side mix: the stems times their gains, summed, as 16-bit WAV or FLAC made as a stream."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
import soundfile

from audio.encoders import STREAMS, wav_size
from audio.mixdown import MixRejected, mix_gains, mix_pcm, mix_plan, mix_render
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


def whole_file_render(stems: list[tuple[str, float]]) -> np.ndarray:
    """The mix as rendered before streaming, all in memory: the float32 sum of the stems times
    their gains (shorter ones padded), turned down if its peak would clip, rounded to 16 bits."""
    arrays = [soundfile.read(path, dtype="float32", always_2d=True)[0] for path, _ in stems]
    mix = np.zeros((max(len(array) for array in arrays), 2), np.float32)
    for array, (_, gain) in zip(arrays, stems):
        mix[: len(array)] += array * np.float32(gain)
    peak = float(np.abs(mix).max())
    scale = 1.0 if peak <= 32767 / 32768 else (32767 / 32768) / peak
    return np.clip(np.rint(mix.astype(np.float64) * (scale * 32768)), -32768, 32767).astype(np.int16)


@pytest.mark.parametrize(("gains", "turned_down"), [((2.0, 1.5, 1.0), True), ((0.1, 0.0, 0.2), False)])
def test_the_streamed_mix_is_the_whole_file_render_sample_for_sample(tmp_path, gains, turned_down):
    rng = np.random.default_rng(7)
    stems = {}
    for name, fmt, seconds in (("bass", "wav", 5.0), ("drums", "flac", 4.5), ("other", "wav", 5.2)):
        path = tmp_path / f"{name}.{fmt}"
        soundfile.write(str(path), np.clip(rng.standard_normal((int(seconds * 44100), 2)) * 0.25, -1, 1), 44100)
        stems[name] = path
    expected = whole_file_render([(str(stems[name]), gain) for name, gain in zip(sorted(stems), gains) if gain])
    plan = mix_plan(stems=stems, gains=dict(zip(sorted(stems), gains)))
    assert plan.frames == len(expected)
    wav = b"".join(STREAMS["wav"](mix_pcm(plan), rate=44100, frames=plan.frames))
    assert len(wav) == wav_size(plan.frames)
    assert np.array_equal(soundfile.read(io.BytesIO(wav), dtype="int16")[0], expected)
    flac = b"".join(STREAMS["flac"](mix_pcm(plan), rate=44100, frames=plan.frames))
    assert soundfile.info(io.BytesIO(flac)).frames == plan.frames  # the length is in its header from the start
    assert np.array_equal(soundfile.read(io.BytesIO(flac), dtype="int16")[0], expected)
    assert (plan.gain_reduction_db > 0) == turned_down


def test_a_mix_its_stems_peaks_show_cannot_clip_is_planned_without_reading_them(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    stems = {}
    for name, fmt, seconds in (("bass", "wav", 3.0), ("drums", "flac", 3.4)):
        stems[name] = tmp_path / f"{name}.{fmt}"
        soundfile.write(
            str(stems[name]), np.clip(rng.standard_normal((int(seconds * 44100), 2)) * 0.1, -0.4, 0.4), 44100
        )
    gains = {"bass": 1.0, "drums": 1.2}
    expected = whole_file_render([(str(stems["bass"]), 1.0), (str(stems["drums"]), 1.2)])
    bounds = {"bass": 0.41, "drums": 0.41}  # 1.0 * 0.41 + 1.2 * 0.41 < 1: cannot clip

    plan = mix_plan(stems=stems, gains=gains, peak_bounds=bounds)
    assert not plan.read_first and plan.frames == len(expected) and plan.gain_reduction_db == 0
    wav = b"".join(STREAMS["wav"](mix_pcm(plan), rate=44100, frames=plan.frames))
    assert np.array_equal(soundfile.read(io.BytesIO(wav), dtype="int16")[0], expected)

    assert mix_plan(stems=stems, gains={"bass": 2.0, "drums": 2.0}, peak_bounds=bounds).read_first  # might clip
    assert mix_plan(stems=stems, gains=gains, peak_bounds={"bass": 0.41}).read_first  # a stem without a bound
    mp3 = {**stems, "drums": tmp_path / "drums.mp3"}
    soundfile.write(str(mp3["drums"]), np.zeros((44100, 2)), 44100)
    assert mix_plan(stems=mp3, gains=gains, peak_bounds=bounds).read_first  # its length is known only by decoding


def test_a_first_pass_stops_when_its_client_has_left(mixture):
    left = threading.Event()
    left.set()
    with pytest.raises(MixRejected, match="cancelled"):
        mix_plan(stems=stems_of(mixture), gains={"vocals": 2.0, "accompaniment": 2.0}, stop=left)
