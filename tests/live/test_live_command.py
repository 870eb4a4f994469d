"""`manage.py live`: a file streamed through a running server comes back as two stem WAVs."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from django.core.management import CommandError, call_command

from tests.live.conftest import sign_up, socket_url


def test_a_file_at_another_rate_is_resampled_streamed_and_written_as_stems(server, tmp_path):
    token = sign_up(server, "erin").token
    t = np.arange(int(2.5 * 48000)) / 48000
    source = tmp_path / "song.wav"
    soundfile.write(str(source), 0.3 * np.sin(2 * np.pi * 440 * t), 48000, subtype="PCM_16")
    out = tmp_path / "stems"
    call_command("live", str(source), out=str(out), token=token, url=socket_url(server), latency_ms=250)
    total = 0
    for stem in ("vocals", "accompaniment"):
        data, rate = soundfile.read(str(out / f"{stem}.wav"), always_2d=True)
        assert rate == 44100 and data.shape[1] == 2
        assert abs(len(data) - 2.5 * 44100) <= 64
        total = total + data
    assert np.sqrt(np.mean(total**2)) > 0.1, "the stems carry the tone"


def test_without_a_token_it_says_where_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("SOUNDFORGE_TOKEN", raising=False)
    with pytest.raises(CommandError, match="POST /api/auth/token/"):
        call_command("live", str(tmp_path / "x.wav"), out=str(tmp_path), token=None)


def test_a_refused_stream_is_reported_in_the_servers_words(server, tmp_path):
    source = tmp_path / "song.wav"
    soundfile.write(str(source), np.zeros((44100, 2)), 44100, subtype="PCM_16")
    with pytest.raises(CommandError, match="Invalid token"):
        call_command("live", str(source), out=str(tmp_path / "o"), token="0" * 40, url=socket_url(server))
