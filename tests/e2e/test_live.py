"""The Live page: a library track played through ws/live/ in Chromium; the stems come back
into the jitter buffer, and muting the vocals takes them out of what the speakers get
(read from the page's analysers: the output minus the instrumental is the vocals' part)."""

from __future__ import annotations

import time

import numpy as np
import soundfile

from tests.audio.mixtures import render_mixture
from tests.e2e.conftest import ARTIFACTS, sign_up

HEARD = 1e-3  # RMS of a stem that is playing
SILENT = 1e-6


def loudest(page, expression: str, seconds: float = 1.0) -> float:
    """The highest value ``expression`` takes over ``seconds`` (speech has pauses)."""
    values = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        values.append(page.evaluate(expression))
        time.sleep(0.05)
    return max(values)


def test_a_track_plays_through_the_server_and_muting_vocals_changes_the_output(page, tmp_path):
    sign_up(page, "livehost")
    mixture = render_mixture(tmp_path, seconds=20.0)
    page.set_input_files("#file-input", str(mixture.mix_path))
    page.locator(".card", has_text="mix").wait_for(timeout=30000)

    page.goto("/live/")
    page.wait_for_function("document.querySelector('#live-track').value !== ''", timeout=10000)
    assert "mix" in page.locator("#live-track option").first.inner_text()
    page.select_option("#live-latency", label="465 ms")
    page.check("input[name=source][value=file]")
    assert page.locator("#live-start").is_disabled(), "no file chosen: nothing to start"
    page.check("input[name=source][value=track]")
    page.click("#live-start")
    assert page.locator("#live-start").is_disabled(), "one stream at a time"
    page.wait_for_function("window.live.state === 'playing'", timeout=60000)
    # The buffer holds what the server may be late by (one 325 ms step of the model) and 50 ms more.
    assert page.locator("#live-latency-ms").inner_text() == "839 ms", "464 ms of model, 375 ms of jitter buffer"
    page.wait_for_function(f"window.live.level('accompaniment') > {HEARD}", timeout=20000, polling=50)
    assert loudest(page, "window.live.level('vocals')", 2.0) > HEARD
    assert loudest(page, "window.live.vocalsInOutput()") > HEARD, "the vocals are in the output"
    page.screenshot(path=str(ARTIFACTS / "live-playing.png"), full_page=True)

    page.click(".live-mute[data-stem=vocals]")
    time.sleep(0.2)
    assert loudest(page, "window.live.vocalsInOutput()") < SILENT, "muted: the output is the instrumental alone"
    assert loudest(page, "window.live.level('accompaniment')") > HEARD, "the instrumental plays on"

    page.click(".live-mute[data-stem=vocals]")
    assert loudest(page, "window.live.vocalsInOutput()", 2.0) > HEARD, "unmuted: back in the output"
    player = page.evaluate("window.live.player()")
    assert player["position"] > 44100, "more than a second played"
    stats = page.evaluate("window.live.stats")
    # Frames the model missed go dry (counted on the page); on a machine this busy some may.
    assert page.locator("#live-dry").inner_text() == str(stats["fallback_frames"])
    assert stats["fallback_frames"] < stats["frames_out"], "the model separated the stream"
    assert not page.console_errors


def test_a_file_shorter_than_the_buffer_plays_to_its_last_frame(page, tmp_path):
    """Once the server says `done`, what the buffer holds plays out: a 0.3 s sound (under the
    839 ms the buffer waits for) is heard whole, and running dry at its end is no underrun."""
    frames = 13230  # 0.3 s at 44.1 kHz
    tone = np.sin(2 * np.pi * 440 * np.arange(frames) / 44100)
    soundfile.write(str(tmp_path / "blip.wav"), 0.5 * np.stack([tone, tone], axis=1), 44100, subtype="PCM_16")
    sign_up(page, "shortblip")
    page.goto("/live/")
    page.check("input[name=source][value=file]")
    page.set_input_files("#live-file", str(tmp_path / "blip.wav"))
    page.click("#live-start")
    page.wait_for_function("window.live.state === 'finished'", timeout=30000)
    player = page.evaluate("window.live.player()")
    assert player["position"] == frames, "every frame of the file was played"
    assert player["underruns"] == 0
    assert not page.console_errors
