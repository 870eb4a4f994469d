"""The real runner writes stems with the input's length and sample rate.

Random-weight models (see conftest): lengths, rates, formats and machinery only.
"""

from __future__ import annotations

import time

import av
import numpy as np
import pytest
import soundfile

from tests.audio.engines.local.conftest import FAST_MODEL, run

MP3_PADDING_TOLERANCE = 2304  # two MP3 frames of encoder delay/padding


def decoded_length_and_rate(path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = sum(frame.samples for frame in container.decode(stream))
        return frames, stream.rate


@pytest.mark.parametrize("output_format", ["wav", "flac", "mp3"])
def test_every_format_keeps_the_inputs_length_and_rate(shared_engine, music, tmp_path, output_format):
    source = music(seconds=1.3, rate=48000, channels=1, name="in.flac")  # model rate is 44100
    expected_length = int(1.3 * 48000)
    result, _ = run(shared_engine, source, tmp_path / "out", output_format=output_format)
    assert set(result.stems) == {"drums", "bass", "other", "vocals"}
    for path in result.stems.values():
        assert path.is_file() and path.parent == (tmp_path / "out").resolve()
        assert path.suffix == f".{output_format}"
        length, rate = decoded_length_and_rate(path)
        assert rate == 48000
        tolerance = MP3_PADDING_TOLERANCE if output_format == "mp3" else 0
        assert abs(length - expected_length) <= tolerance


def test_two_stem_mode_gives_vocals_and_the_rest(shared_engine, music, tmp_path):
    source = music(seconds=1.5)
    result, _ = run(shared_engine, source, tmp_path / "out", stems="two")
    assert set(result.stems) == {"vocals", "instrumental"}
    mix, _ = soundfile.read(str(source), dtype="float32")
    vocals, _ = soundfile.read(str(result.stems["vocals"]), dtype="float32")
    instrumental, _ = soundfile.read(str(result.stems["instrumental"]), dtype="float32")
    assert vocals.shape == instrumental.shape == mix.shape
    # instrumental = mix - vocals, so the two stems sum back to the input
    # (up to 16-bit rounding and clipping of the random model's output).
    unclipped = (np.abs(vocals) < 0.999) & (np.abs(instrumental) < 0.999)
    assert np.abs(vocals + instrumental - mix)[unclipped].max() < 2e-4


def test_progress_is_every_tenth_once_in_order(shared_engine, music, tmp_path):
    _, steps = run(shared_engine, music(seconds=6.0), tmp_path / "out")
    assert steps == list(range(0, 101, 10))


def test_second_request_on_a_model_is_warm(make_engine, music, tmp_path):
    engine = make_engine()
    timings = []
    for name in ("one", "two"):
        started = time.monotonic()
        result, _ = run(engine, music(seconds=1.0), tmp_path / name)
        timings.append((time.monotonic() - started, result.meta))
        if name == "one":
            pid = engine.supervisor.pid
    (first_wall, first), (second_wall, second) = timings
    assert first["warm"] is False and first["model_load_seconds"] > 0
    assert second["warm"] is True and second["model_load_seconds"] == 0
    assert engine.supervisor.pid == pid
    assert second_wall < first_wall  # no process start, no import, no load


def test_result_meta_describes_the_run(shared_engine, music, tmp_path):
    result, _ = run(shared_engine, music(seconds=1.0), tmp_path / "out")
    meta = result.meta
    assert meta["model"] == FAST_MODEL and meta["model_version"].startswith("demucs 4.1.0")
    assert meta["device"] == "cpu" and meta["engine"] == "local"
    assert meta["input_seconds"] == pytest.approx(1.0, abs=0.01)
    assert meta["real_time_factor"] == pytest.approx(meta["runtime_seconds"] / meta["input_seconds"], rel=0.01)
    assert any("very short input" in warning for warning in meta["warnings"])


def test_silent_input_is_separated_with_a_warning(shared_engine, tmp_path):
    source = tmp_path / "silence.wav"
    soundfile.write(str(source), np.zeros((44100, 2), dtype=np.float32), 44100)
    result, _ = run(shared_engine, source, tmp_path / "out")
    assert "silent input: the stems are silent too" in result.meta["warnings"]
    vocals, _ = soundfile.read(str(result.stems["vocals"]))
    assert np.isfinite(vocals).all() and np.abs(vocals).max() < 1e-3


def test_random_htdemucs_architecture_gives_four_full_length_stems(shared_engine, music, tmp_path):
    result, steps = run(shared_engine, music(seconds=1.0), tmp_path / "out", model="htdemucs")
    assert steps == list(range(0, 101, 10))
    for path in result.stems.values():
        info = soundfile.info(str(path))
        assert (info.frames, info.samplerate, info.channels) == (44100, 44100, 2)


def test_spleeter_end_to_end_through_the_runner(shared_engine, music, tmp_path):
    result, steps = run(shared_engine, music(seconds=2.0), tmp_path / "out", model="spleeter_2stems")
    assert set(result.stems) == {"vocals", "accompaniment"}
    assert result.meta["model"] == "spleeter_2stems" and steps[-1] == 100
    for path in result.stems.values():
        assert soundfile.info(str(path)).frames == 2 * 44100
