"""A track's card in Chromium: several separations side by side, each with its own ZIP and
Delete; a batch of tracks, one waiting its turn; the library on a phone."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.audio.mixtures import render_mixture
from tests.e2e.conftest import ARTIFACTS, sign_up

pytestmark = pytest.mark.e2e


def upload(page, path: Path, title: str):
    page.set_input_files("#file-input", str(path))
    card = page.locator(".card", has_text=title)
    card.wait_for(timeout=20000)
    return card


def separate(page, card, *, model: str = "spleeter_2stems", two: bool = False, fmt: str = "wav") -> None:
    card.locator(".separate-button").click()
    page.select_option("#sep-model", model)
    if two:
        page.check("#sep-stems_1")
    page.select_option("#sep-output_format", fmt)
    page.click("#sep-start")
    page.locator("#separate-dialog").wait_for(state="hidden")


def zip_names(download) -> tuple[str, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    return download.suggested_filename, sorted(archive.namelist())


def test_every_separation_stays_on_its_card_with_its_own_zip_and_delete(page, tmp_path):
    mixture = render_mixture(tmp_path / "render", seconds=6.0)
    song = tmp_path / "Night Drive.wav"
    song.write_bytes(mixture.mix_path.read_bytes())
    sign_up(page, "cards")
    page.set_viewport_size({"width": 1280, "height": 900})
    card = upload(page, song, "Night Drive")
    page.wait_for_function("document.body.dataset.live === '1'", timeout=10000)

    separate(page, card)
    card.locator(".job.status-completed").first.wait_for(timeout=120000)
    separate(page, card, two=True, fmt="flac")
    page.wait_for_function("document.querySelectorAll('.card .job.status-completed').length === 2", timeout=120000)
    panels = card.locator(".job.status-completed")
    # Newest finished first: the two-stem FLAC run, then the first one, still there.
    assert "vocals/instrumental · FLAC" in panels.nth(0).locator(".job-status").inner_text()
    assert "spleeter_2stems · WAV" in panels.nth(1).locator(".job-status").inner_text()
    panels.nth(0).locator("summary").click()
    assert panels.nth(0).locator(".stem-name").all_text_contents() == ["instrumental", "vocals"]
    assert panels.nth(0).locator(".stem-download").first.inner_text() == "Download FLAC"
    page.screenshot(path=str(ARTIFACTS / "card-with-two-separations.png"), full_page=True)

    names = []
    for index in range(2):
        with page.expect_download() as download:
            panels.nth(index).locator(".zip-download").click()
        names.append(zip_names(download.value))
    (first_name, first_files), (second_name, second_files) = names
    assert first_name.startswith("night-drive-spleeter_2stems-2stems-") and first_name.endswith(".zip")
    assert [name.split("/")[1] for name in first_files] == ["instrumental.flac", "vocals.flac"]
    assert second_name.startswith("night-drive-spleeter_2stems-") and "2stems-" not in second_name[28:]
    assert [name.split("/")[1] for name in second_files] == ["accompaniment.wav", "vocals.wav"]

    page.on("dialog", lambda dialog: dialog.accept())
    doomed = panels.nth(0).get_attribute("data-job-id")
    panels.nth(0).locator(".job-delete").click()
    page.locator(f'.job[data-job-id="{doomed}"]').wait_for(state="detached", timeout=10000)
    assert card.locator(".job").count() == 1
    page.reload()
    assert page.locator(".card .job").count() == 1, "deleted for good"
    assert page.request.get(f"/api/jobs/{doomed}/").status == 404
    assert page.console_errors == []


def test_a_batch_of_tracks_with_one_waiting_its_turn(page, tmp_path):
    sign_up(page, "batcher")
    page.set_viewport_size({"width": 1280, "height": 900})
    for number in range(4):
        mixture = render_mixture(tmp_path / f"render-{number}", seconds=3.0 + number)
        song = tmp_path / f"Demo {number + 1}.wav"
        song.write_bytes(mixture.mix_path.read_bytes())
        upload(page, song, f"Demo {number + 1}")
    page.reload()  # the batch bar counts what the page shows
    page.wait_for_function("document.body.dataset.live === '1'", timeout=10000)
    page.click("#batch-all")
    assert page.locator("#separate-dialog .dialog-track").inner_text() == "all 4 tracks"
    page.select_option("#sep-model", "spleeter_2stems")
    page.click("#sep-start")
    page.locator("#separate-dialog").wait_for(state="hidden")
    # MAX_ACTIVE_JOBS_PER_USER is 3: the fourth waits, and says so, instead of being refused.
    waiting = page.locator(".job.status-waiting .queue-position")
    waiting.wait_for(timeout=10000)
    assert waiting.inner_text() == "Next in line"
    assert "1 waiting" in page.locator("#queue-summary").inner_text()
    page.screenshot(path=str(ARTIFACTS / "batch-with-one-waiting.png"), full_page=True)
    page.wait_for_function("document.querySelectorAll('.card .job.status-completed').length === 4", timeout=180000)
    assert page.locator("#queue-summary").inner_text() == ""
    assert page.console_errors == []


def test_selected_cards_only(page, tmp_path):
    sign_up(page, "selector")
    for number in range(2):
        mixture = render_mixture(tmp_path / f"render-{number}", seconds=3.0 + number / 2)
        song = tmp_path / f"Take {number + 1}.wav"
        song.write_bytes(mixture.mix_path.read_bytes())
        upload(page, song, f"Take {number + 1}")
    page.locator(".card", has_text="Take 2").locator(".select-track input").check()
    assert page.locator("#selected-count").inner_text() == "1 selected"
    page.click("#batch-selected")
    page.select_option("#sep-model", "spleeter_2stems")
    page.click("#sep-start")
    page.locator(".card", has_text="Take 2").locator(".job.status-completed").wait_for(timeout=120000)
    assert page.locator(".card", has_text="Take 1").locator(".job").count() == 0
    assert page.locator("#selected-count").inner_text() == "None selected"


def test_the_library_on_a_phone(chromium, live_app, tmp_path):
    context = chromium.new_context(
        base_url=live_app.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        sign_up(page, "phone")
        mixture = render_mixture(tmp_path / "render", seconds=4.0)
        song = tmp_path / "Pocket Song.wav"
        song.write_bytes(mixture.mix_path.read_bytes())
        card = upload(page, song, "Pocket Song")
        separate(page, card)
        card.locator(".job.status-completed").wait_for(timeout=120000)
        card.locator("summary").click()
        box = card.bounding_box()
        cover = card.locator("img.cover").bounding_box()
        assert box["width"] <= 390 and cover["width"] <= 80, (box, cover)
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), "nothing sticks out"
        for link in card.locator(".stem-download, .zip-download").all():
            right = link.bounding_box()
            assert right["x"] >= box["x"] and right["x"] + right["width"] <= box["x"] + box["width"] + 0.5
        page.screenshot(path=str(ARTIFACTS / "library-on-a-phone.png"), full_page=True)
        card.locator(".title a").click()
        page.wait_for_function("window.studio && window.studio.tracks.vocals")
        assert not page.locator(".hint").is_visible(), "no keyboard hints on a touch screen"
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "studio-on-a-phone.png"), full_page=True)
    finally:
        context.close()
