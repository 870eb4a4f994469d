"""``manage.py separate``: one local separation from the command line, through the
same streaming runner the workers use."""

from __future__ import annotations

import io

import soundfile
from django.core.management import call_command

from tests.audio.engines.local.conftest import write_music


def test_the_command_separates_a_file_into_stems_of_its_length(tmp_path, settings):
    settings.DEMUCS_TIMEOUT = 120
    source = write_music(tmp_path / "set.wav", seconds=20.0, rate=48000)
    out = io.StringIO()
    call_command(
        "separate",
        str(source),
        "--model",
        "spleeter_2stems",
        "--out",
        str(tmp_path / "stems"),
        "--format",
        "flac",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "progress 0%" and "progress 100%" in lines
    stems = dict(line.split(": ", 1) for line in lines if line.startswith(("vocals:", "accompaniment:")))
    assert set(stems) == {"vocals", "accompaniment"}
    for path in stems.values():
        info = soundfile.info(path)
        assert (info.samplerate, info.frames, info.format) == (48000, 20 * 48000, "FLAC")
    assert "real-time factor" in lines[-1]
