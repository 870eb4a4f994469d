"""A user signs up, uploads through the file picker and sees the card appear."""

from __future__ import annotations

import pytest

from tests.audio.files import cover_png, encode, write_wav
from tests.e2e.conftest import sign_up

pytestmark = pytest.mark.e2e


def test_upload_through_the_file_picker_shows_the_card(page, tmp_path):
    tone = write_wav(tmp_path / "tone.wav", frames=44100 * 95)  # 1:35
    song = encode(
        tone,
        tmp_path / "Café del Mar.mp3",
        tags={"title": "Sunset Test", "artist": "The Fixtures"},
        cover=cover_png(tmp_path / "c.png"),
    )
    sign_up(page, "picker")
    assert page.locator("#empty-library").is_visible()
    page.set_input_files("#file-input", str(song))
    card = page.locator(".card", has_text="Sunset Test")
    card.wait_for(timeout=20000)
    assert card.locator(".artist").inner_text() == "The Fixtures"
    assert card.locator(".duration").inner_text() == "1:35"
    assert page.locator(".upload-item.done .status").inner_text() == "added"
    cover = card.locator("img.cover")
    cover.evaluate(
        "img => img.complete || new Promise((loaded) => img.addEventListener('load', loaded, { once: true }))"
    )
    assert cover.evaluate("img => img.naturalWidth") == 64
    page.reload()  # it is stored, not only drawn
    assert page.locator(".card .title").all_inner_texts() == ["Sunset Test"]
    assert page.console_errors == []


def test_drop_several_files_and_see_refusals_in_words(page, tmp_path):
    good = write_wav(tmp_path / "dropped.wav", frames=44100 * 3)
    sign_up(page, "dropper")
    payload = [
        {"name": "dropped.wav", "bytes": list(good.read_bytes())},
        {"name": "notes.mp3", "bytes": list(b"not audio at all" * 64)},
    ]
    page.evaluate(
        """files => {
        const dt = new DataTransfer();
        files.forEach(f => dt.items.add(new File([new Uint8Array(f.bytes)], f.name)));
        const zone = document.getElementById('dropzone');
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""",
        payload,
    )
    page.locator(".card", has_text="dropped").wait_for(timeout=20000)
    failed = page.locator(".upload-item.failed")
    failed.wait_for(timeout=20000)
    assert "notes.mp3" in failed.inner_text()
    assert "not audio" in failed.locator(".status").inner_text()
    assert page.locator(".card").count() == 1


def test_delete_a_track_from_its_card(page, tmp_path):
    sign_up(page, "deleter")
    page.set_input_files("#file-input", str(write_wav(tmp_path / "doomed.wav", frames=44100)))
    page.locator(".card", has_text="doomed").wait_for(timeout=20000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(".card", has_text="doomed").get_by_role("button", name="Delete").click()
    page.wait_for_load_state()
    assert page.locator(".msg.success").inner_text() == "Deleted “doomed”."
    assert page.locator(".card").count() == 0
