"""Press Separate Stems in Chromium and watch it finish live, then play and download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.audio.mixtures import render_mixture
from tests.e2e.conftest import sign_up

pytestmark = pytest.mark.e2e


def test_separate_watch_play_and_download(page, tmp_path):
    mixture = render_mixture(tmp_path, seconds=8.0)
    sign_up(page, "separator")
    page.set_input_files("#file-input", str(mixture.mix_path))
    card = page.locator(".card").first
    card.wait_for(timeout=20000)
    page.evaluate("window.__notReloaded = true")
    page.wait_for_function("document.body.dataset.live === '1'", timeout=10000)

    card.locator(".separate-button").click()
    page.select_option("#sep-model", "spleeter_2stems")
    assert page.locator("#sep-stem-names").inner_text() == "(vocals, accompaniment)"
    page.click("#sep-start")
    # The bar moves without a reload, then the stems replace it.
    seen = page.evaluate_handle("""() => {
        const seen = [];
        new MutationObserver(() => {
            const p = document.querySelector('.job-percent');
            if (p && seen[seen.length - 1] !== p.textContent) seen.push(p.textContent);
        }).observe(document.getElementById('track-grid'), {subtree: true, childList: true, characterData: true});
        return seen;
    }""")
    card.locator(".job.status-completed").wait_for(timeout=120000)
    assert page.evaluate("window.__notReloaded") is True
    percents = seen.json_value()
    assert percents and percents[-1] == "100%", percents
    assert percents == sorted(percents, key=lambda p: int(p[:-1])), "progress only moves forward"
    assert card.locator(".stem-name").all_text_contents() == ["accompaniment", "vocals"]

    played = card.locator("audio[data-stem=vocals]").evaluate("""async audio => {
        await audio.play();
        await new Promise(resolve => setTimeout(resolve, 700));
        audio.pause();
        return audio.currentTime;
    }""")
    assert played > 0.3

    with page.expect_download() as download:
        card.locator(".zip-download").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = sorted(name.split("/")[-1] for name in archive.namelist())
    assert names == ["accompaniment.wav", "vocals.wav"]
    assert all(archive.getinfo(name).file_size > 8 * 44100 * 4 for name in archive.namelist())
    assert page.console_errors == []
