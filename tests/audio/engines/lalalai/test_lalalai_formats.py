"""Stems are stored in the format asked for, whatever lalal.ai sent: decided by decoding."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile

from audio.engines.base import EngineProtocolError
from audio.engines.lalalai.formats import ensure_format, found_format
from tests.fakes.lalalai_audio import write_tone


def separate(engine, request):
    return engine.separate(request, progress=lambda percent: None, cancel=threading.Event())


@pytest.mark.parametrize(("asked", "sent"), [("flac", "wav"), ("mp3", "wav"), ("wav", "flac"), ("wav", "mp3")])
def test_a_stem_in_another_format_is_converted_to_the_one_asked_for(
    make_engine, make_request, fake_lalalai, asked, sent
):
    fake_lalalai.send_results_as(sent)
    result = separate(make_engine(), make_request(output_format=asked, stems="two"))
    for stem, path in result.stems.items():
        assert path.suffix == f".{asked}"
        assert found_format(path) == asked, stem
        sound, rate = soundfile.read(str(path))
        assert rate == 44100 and sound.shape[1] == 2
        assert abs(len(sound) / rate - 0.5) < 0.06, "the whole tone, not a cut"
        assert np.sqrt(np.mean(sound**2)) > 0.05, "the sound itself, not silence"


def test_a_stem_already_in_the_format_asked_for_is_kept_byte_for_byte(make_engine, make_request, fake_lalalai):
    result = separate(make_engine(), make_request(output_format="flac", stems="two"))
    sent = fake_lalalai.state.media_dir
    for stem, path in result.stems.items():
        originals = list(sent.glob("*/*.flac"))
        assert path.read_bytes() in [original.read_bytes() for original in originals], stem


def test_a_file_that_is_not_audio_is_refused(tmp_path):
    path = tmp_path / "vocals.flac"
    path.write_bytes(b"<html>an error page, not audio</html>" * 20)
    with pytest.raises(EngineProtocolError, match="not audio"):
        ensure_format(path, "flac", stem="vocals")


def test_conversion_keeps_mono_mono_and_caps_mp3_at_48_khz(tmp_path):
    path = tmp_path / "vocals.mp3"
    soundfile.write(str(path), 0.2 * np.sin(np.arange(96000) / 10), 96000, format="WAV", subtype="PCM_16")
    assert ensure_format(path, "mp3", stem="vocals") is True
    info = soundfile.info(str(path))
    assert (found_format(path), info.samplerate, info.channels) == ("mp3", 48000, 1)
    wav = tmp_path / "tone.wav"
    write_tone(wav, "wav")
    assert ensure_format(wav, "wav", stem="x") is False
