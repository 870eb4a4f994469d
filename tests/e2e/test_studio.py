"""The studio in Chromium: a real Spleeter job, then the mixer, waveforms, report and mix download.

What is audible is read from the page's Web Audio graph (each stem's gain node and
an analyser after it), not from CSS classes.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile

from tests.audio.mixtures import render_mixture
from tests.e2e.conftest import ARTIFACTS, sign_up

pytestmark = pytest.mark.e2e
SECONDS = 8.0
HEARD = 1e-3  # RMS an analyser shows for a stem that is playing
SILENT = 1e-4


def level(page, stem: str) -> float:
    return page.evaluate("name => window.studio.level(name)", stem)


def gain(page, stem: str) -> float:
    return page.evaluate("name => window.studio.tracks[name].gain.gain.value", stem)


def wait_heard(page, stem: str, heard: bool) -> None:
    """Wait until the stem's analyser hears it (or hears nothing)."""
    test = f"window.studio.level('{stem}') {'>' if heard else '<'} {HEARD if heard else SILENT}"
    page.wait_for_function(test, timeout=5000, polling=50)


def toggle_vocals(page, button: str, *, silenced: str, playing: str) -> None:
    """Press the vocals strip's ``button``: ``silenced`` goes quiet while ``playing`` is
    still heard; press it again and ``silenced`` comes back."""
    page.click(f".stem-strip[data-stem=vocals] .{button}")
    wait_heard(page, silenced, False)
    assert gain(page, silenced) < 0.001 and gain(page, playing) > 0.99
    assert level(page, playing) > HEARD
    page.click(f".stem-strip[data-stem=vocals] .{button}")
    wait_heard(page, silenced, True)


def spread(page) -> float:
    """Largest distance in seconds between the stems' playback positions."""
    return page.evaluate("""() => {
        const times = Object.values(window.studio.tracks).map(t => t.element.currentTime);
        return Math.max(...times) - Math.min(...times);
    }""")


def separate_with_spleeter(page, tmp_path) -> str:
    mixture = render_mixture(tmp_path / "mixture", seconds=SECONDS)
    song = shutil.copy(mixture.mix_path, tmp_path / "Studio Song.wav")
    page.set_input_files("#file-input", str(song))
    card = page.locator(".card", has_text="Studio Song")
    card.wait_for(timeout=20000)
    card.locator(".separate-button").click()
    page.select_option("#sep-model", "spleeter_2stems")
    page.click("#sep-start")
    card.locator(".job.status-completed").wait_for(timeout=120000)
    return card.locator(".job").get_attribute("data-job-id")


def test_the_studio_mixes_plays_and_reports_a_real_separation(page, live_app, tmp_path):
    sign_up(page, "studio")
    job_id = separate_with_spleeter(page, tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    stem_statuses: list[int] = []
    page.on("response", lambda r: stem_statuses.append(r.status) if "/files/stems/" in r.url else None)
    page.locator(".card .title a", has_text="Studio Song").click()
    page.wait_for_function("window.studio && window.studio.tracks.vocals")

    # The jobs list and the report, with the figures the engine recorded.
    assert page.locator(".job-item.selected .job-state").inner_text() == "Done"
    meta = json.loads(page.request.get(f"/api/jobs/{job_id}/").text())["result"]
    facts = dict(
        zip(page.locator(".report-facts dt").all_inner_texts(), page.locator(".report-facts dd").all_inner_texts())
    )
    assert facts["Model"] == "spleeter_2stems"
    assert facts["Version"] == meta["model_version"]
    assert facts["Device"].startswith(meta["device"])
    assert facts["Input duration"] == f"{meta['input_seconds']:.1f} s" == "8.0 s"
    assert facts["Runtime"].startswith(f"{meta['runtime_seconds']:.2f} s")
    assert facts["Real-time factor"].startswith(f"{meta['real_time_factor']:.3f}×")
    assert page.locator(".no-warnings").inner_text() == "None."  # 8 s of clean music: nothing to warn about
    relative = page.locator(".levels tr[data-stem=vocals] .relative").inner_text()
    assert relative.endswith(" dB") and -20 < float(relative.split()[0]) < 3  # the mixture has real vocals

    # Waveforms: every canvas is drawn, with ink in it.
    inked = page.evaluate("""() => [...document.querySelectorAll('.wave canvas')].map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) ink++;
        return ink / (c.width * c.height);
    })""")
    assert len(inked) == 3 and all(share > 0.05 for share in inked), inked

    # Space starts the transport; both stems are heard and move together.
    page.keyboard.press("Space")
    page.wait_for_function("window.studio.time() > 0.6", timeout=10000)
    assert page.locator("#play").inner_text() == "Pause"
    wait_heard(page, "vocals", True)
    wait_heard(page, "accompaniment", True)
    assert 206 in stem_statuses  # the players fetch the stems in byte ranges

    # Mute takes vocals out of what is heard; the accompaniment plays on.
    toggle_vocals(page, "mute", silenced="vocals", playing="accompaniment")
    # Solo on vocals silences the accompaniment instead.
    toggle_vocals(page, "solo", silenced="accompaniment", playing="vocals")
    assert spread(page) < 0.1  # switching stems on and off did not pull them apart

    # A/B: the original replaces the stems, in step with them.
    page.click("#ab-original")
    page.wait_for_function("window.studio.stemsBus.gain.value < 0.001", timeout=5000)
    assert (
        page.evaluate("""() => { const s = window.studio, n = new Float32Array(2048);
        s.original.analyser.getFloatTimeDomainData(n); return Math.hypot(...n) / Math.sqrt(n.length); }""")
        > HEARD
    )
    assert abs(page.evaluate("window.studio.original.element.currentTime - window.studio.time()")) < 0.1
    page.click("#ab-original")
    page.wait_for_function("window.studio.stemsBus.gain.value > 0.99", timeout=5000)

    # Clicking a waveform seeks every stem there.
    page.locator(".stem-strip[data-stem=accompaniment] .wave").click(position={"x": 5, "y": 20})
    page.wait_for_function("window.studio.time() < 1.5", timeout=5000)
    assert page.evaluate("window.studio.isPlaying()")
    page.wait_for_timeout(400)
    assert spread(page) < 0.1

    # Space pauses, even with the focus on a mute button (which it does not press): the clock stops.
    page.focus(".stem-strip[data-stem=vocals] .mute")
    page.keyboard.press("Space")
    assert page.locator("#play").inner_text() == "Play"
    assert page.get_attribute(".stem-strip[data-stem=vocals] .mute", "aria-pressed") == "false"
    stopped = page.evaluate("window.studio.time()")
    page.wait_for_timeout(300)
    assert page.evaluate("window.studio.time()") == stopped
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.studio.time()") == pytest.approx(stopped + 5, abs=0.01)
    assert page.evaluate("window.studio.tracks.vocals.element.currentTime") == pytest.approx(stopped + 5, abs=0.01)
    page.screenshot(path=str(ARTIFACTS / "studio-desktop.png"), full_page=True)

    # The mix download is what the mixer sets: vocals at half volume, accompaniment muted.
    page.locator(".stem-strip[data-stem=vocals] .volume").fill("0.5")
    assert page.locator(".stem-strip[data-stem=vocals] .volume-value").inner_text() == "50%"
    page.click(".stem-strip[data-stem=accompaniment] .mute")
    with page.expect_download() as download:
        page.click("#mix-download")
    mixed, rate = soundfile.read(download.value.path(), always_2d=True)
    vocals, _ = soundfile.read(live_app.uploads_dir / f"stems/{job_id}/vocals.wav", always_2d=True)
    assert rate == 44100 and mixed.shape == vocals.shape
    assert np.abs(mixed - 0.5 * vocals).max() <= 0.5 / 32768 + 1e-6

    # A second separation started meanwhile shows up in the jobs list and its state follows it live.
    track_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    started = page.evaluate(
        """trackId => fetch('/api/jobs/', {method: 'POST', headers: {
            'X-CSRFToken': document.querySelector('[name=csrfmiddlewaretoken]').value,
            'Content-Type': 'application/json', Accept: 'application/json'},
        body: JSON.stringify({track: trackId, engine: 'local', model: 'spleeter_2stems', stems: 'all',
                              output_format: 'flac'}),
    }).then(r => r.json())""",
        track_id,
    )
    page.reload()
    page.evaluate("window.sameDocument = true")
    state = f"[data-job-id='{started['id']}'] .job-state"
    second = page.locator(f".job-item{state}")
    assert page.locator(".job-item").count() == 2
    page.wait_for_function(f'document.querySelector("{state}").textContent === "Done"', timeout=60000)
    assert second.inner_text() == "Done" and page.evaluate("window.sameDocument")  # updated in place

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # the waveforms are redrawn for the new width
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 390  # nothing of the studio sticks out sideways
    page.screenshot(path=str(ARTIFACTS / "studio-phone.png"), full_page=True)
    assert page.console_errors == []
