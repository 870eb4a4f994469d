"""Tempo and key on the cards and in the studio, and the practice tools, in Chromium.

What is heard is read from the page's Web Audio graph: an analyser after the pitch
stage (the last node before the speakers) gives the strongest frequency of the
mix; the transport's clock gives the speed.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import soundfile

from tests.audio.songs import Song, render_song
from tests.e2e.conftest import ARTIFACTS, sign_up

pytestmark = pytest.mark.e2e
RATE = 44100
TONE = 440.0


def upload(page, path, title: str):
    page.set_input_files("#file-input", str(path))
    card = page.locator(".card", has_text=title)
    card.wait_for(timeout=20000)
    return card


def test_tempo_and_key_appear_on_the_card_without_a_reload_and_in_the_studio(page, tmp_path):
    sign_up(page, "tempokey")
    song = render_song(tmp_path, Song(124, "E", "minor"), seconds=30)
    card = upload(page, song.rename(tmp_path / "Minor Groove.wav"), "Minor Groove")
    line = card.locator(".tempo-key")
    assert "Measuring tempo and key" in line.inner_text()
    page.evaluate("window.sameDocument = true")
    line.locator(".bpm").wait_for(timeout=60000)  # the analysis worker measured it; the page asked again
    assert page.evaluate("window.sameDocument")
    shown = line.inner_text().strip()
    assert re.fullmatch(r"(12[2-6]) BPM · E minor 9A", shown), shown
    page.screenshot(path=str(ARTIFACTS / "tempo-key-card.png"), full_page=True)

    page.select_option(".library-search select[name=ordering]", "bpm")  # the menu sorts at once
    page.wait_for_url(re.compile(r"[?&]ordering=bpm(&|$)"))
    card.locator(".title a").click()
    page.wait_for_url("**/tracks/**")
    assert page.locator(".studio-head .tempo-key").inner_text().strip() == shown

    # A correction by hand is saved and shown at once, and stays after a reload.
    page.click(".tempo-key-edit summary")
    page.fill("#tempo-key-form [name=bpm]", "124")
    page.click("#tempo-key-form [data-tempo-factor='0.5']")  # counted double: halve it
    assert page.input_value("#tempo-key-form [name=bpm]") == "62"
    page.select_option("#tempo-key-form [name=key]", "C# major")
    page.click("#tempo-key-form button[type=submit]")
    corrected = "62 BPM · C# major 3B"
    page.wait_for_function(
        f"document.querySelector('.studio-head .tempo-key').innerText.trim() === '{corrected}'", timeout=5000
    )
    page.screenshot(path=str(ARTIFACTS / "tempo-key-studio.png"), full_page=True)
    page.reload()
    assert page.locator(".studio-head .tempo-key").inner_text().strip() == corrected
    page.click(".tempo-key-edit summary")
    page.fill("#tempo-key-form [name=bpm]", "500")
    page.click("#tempo-key-form button[type=submit]")
    page.locator("#tempo-key-form .form-error").filter(has_text="300").wait_for(timeout=5000)
    # The only error the browser saw is that refusal.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def frequency(page) -> float:
    """The strongest frequency heard over half a second (median of a few readings)."""
    readings = []
    for _ in range(5):
        page.wait_for_timeout(100)
        readings.append(page.evaluate("window.studio.outputFrequency()"))
    return float(np.median(readings))


def clock_rate(page, seconds: float = 2.0) -> float:
    """Seconds of music per second of wall time."""
    start = page.evaluate("[window.studio.time(), performance.now()]")
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate("[window.studio.time(), performance.now()]")
    return (end[0] - start[0]) / ((end[1] - start[1]) / 1000)


def test_speed_pitch_and_loop_are_heard_and_kept_in_the_address(page, tmp_path):
    sign_up(page, "practice")
    tone = tmp_path / "Practice Tone.wav"
    t = np.arange(int(12 * RATE)) / RATE
    soundfile.write(str(tone), np.stack([0.4 * np.sin(2 * np.pi * TONE * t)] * 2, axis=1), RATE, subtype="PCM_16")
    card = upload(page, tone, "Practice Tone")
    card.locator(".separate-button").click()
    page.select_option("#sep-model", "spleeter_2stems")
    page.click("#sep-start")
    card.locator(".job.status-completed").wait_for(timeout=180000)
    card.locator(".title a").click()
    page.wait_for_function("window.studio && window.studio.practice")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.click("#play")
    page.wait_for_function("window.studio.time() > 0.5", timeout=10000)
    assert frequency(page) == pytest.approx(TONE, abs=6)
    assert clock_rate(page) == pytest.approx(1.0, abs=0.15)

    # Speed 75 %: the music moves at three quarters of the wall clock, and its pitch stays.
    page.locator("#speed").fill("75")
    assert page.locator("#speed-value").inner_text() == "75%"
    assert clock_rate(page) == pytest.approx(0.75, abs=0.12)
    assert frequency(page) == pytest.approx(TONE, abs=6)

    # Pitch +3 semitones: the tone goes up by 2^(3/12) while the speed stays at 75 %.
    page.locator("#pitch").fill("3")
    assert page.locator("#pitch-value").inner_text() == "+3"
    page.wait_for_timeout(600)  # the worklet loads once
    assert frequency(page) == pytest.approx(TONE * 2 ** (3 / 12), abs=8)
    assert clock_rate(page) == pytest.approx(0.75, abs=0.12)
    page.locator("#pitch").fill("-6")
    page.wait_for_timeout(300)
    assert frequency(page) == pytest.approx(TONE * 2 ** (-6 / 12), abs=6)

    # A-B loop with the keys: A at 2 s, B at 3 s; the music keeps coming back to A.
    page.evaluate("window.studio.seek(2)")
    page.locator("body").press("[")
    page.evaluate("window.studio.seek(3)")
    page.locator("body").press("]")
    assert page.get_attribute("#loop-toggle", "aria-pressed") == "true"
    assert page.evaluate("window.studio.isPlaying()")
    times = []
    for _ in range(30):  # 3 s of wall time: over two turns of a 1 s loop at 75 %
        page.wait_for_timeout(100)
        times.append(page.evaluate("window.studio.time()"))
    assert all(1.95 <= time <= 3.1 for time in times), times
    assert any(later < earlier for earlier, later in itertools.pairwise(times)), "the loop never went back to A"
    page.screenshot(path=str(ARTIFACTS / "practice-tools.png"), full_page=True)

    # The address keeps it all: a reload opens the studio as it was.
    assert re.search(r"speed=75.*pitch=-6.*a=2\.\d+.*b=3\.\d+.*loop=1", page.url), page.url
    page.reload()
    page.wait_for_function("window.studio && window.studio.practice")
    assert page.input_value("#speed") == "75" and page.input_value("#pitch") == "-6"
    assert page.get_attribute("#loop-toggle", "aria-pressed") == "true"
    assert page.evaluate("window.studio.loop().start") == pytest.approx(2, abs=0.1)

    # L stops looping; Reset brings everything back.
    page.locator("body").press("l")
    assert (
        page.get_attribute("#loop-toggle", "aria-pressed") == "false" and page.evaluate("window.studio.loop()") is None
    )
    page.click("#practice-reset")
    assert page.input_value("#speed") == "100" and "speed=" not in page.url

    # The mix download carries the speed and pitch: half speed, FLAC, twice as long.
    page.locator("#speed").fill("50")
    page.select_option("#mix-format", "flac")
    with page.expect_download() as download:
        page.click("#mix-download")
    assert download.value.suggested_filename.endswith("-mix.flac")
    mixed, rate = soundfile.read(download.value.path(), always_2d=True)
    assert rate == RATE and len(mixed) == pytest.approx(24 * RATE, abs=RATE // 10)
    assert page.console_errors == []
