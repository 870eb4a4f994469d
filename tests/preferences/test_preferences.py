"""The Settings page, its encrypted lalal.ai key, and what the preferences change elsewhere."""

import json
import logging
import re

import pytest

from audio.engines.base import EngineAuthError
from preferences.models import UserPreferences
from preferences.secret_box import SecretUnreadable, secret_decrypt, secret_encrypt
from preferences.services import engine_secret, preferences_update

KEY = "MyLalalKey-5f3a9c1e77-Q8rT"
FORM = {
    "engine": "local",
    "local_model": "htdemucs",
    "stems_mode": "all",
    "output_format": "wav",
    "sample_rate": "44100",
    "lalalai_splitter": "auto",
    "lalalai_extraction_level": "deep_extraction",
}


def field_block(html: str, name: str) -> str:
    """The HTML of one field's block on the settings page (label, input, its errors)."""
    start = html.index(f'id="field-{name}"')
    return re.split(r'<div class="field|</fieldset>', html[start:], maxsplit=1)[0]


def test_settings_page_saves_and_shows_the_choices(user_client, user):
    page = user_client.get("/settings/")
    assert page.status_code == 200 and 'href="/settings/"' in page.content.decode()
    answer = user_client.post(
        "/settings/",
        {
            **FORM,
            "engine": "lalalai",
            "local_model": "htdemucs_ft",
            "stems_mode": "two",
            "output_format": "mp3",
            "lalalai_splitter": "phoenix",
            "lalalai_stems": ["wind"],
            "lalalai_dereverb": "on",
        },
    )
    assert answer.status_code == 302
    row = UserPreferences.objects.get(user=user)
    assert (row.engine, row.stems_mode, row.output_format) == ("lalalai", "two", "mp3")
    assert row.engine_values["local"] == {"model": "htdemucs_ft"}
    assert row.engine_values["lalalai"] == {
        "splitter": "phoenix",
        "stems": ["wind"],
        "dereverb": True,
        "extraction_level": "deep_extraction",
    }
    assert 'value="htdemucs_ft" selected' in user_client.get("/settings/").content.decode()


def test_a_bad_value_gets_its_message_next_to_its_field(user_client, user):
    answer = user_client.post(
        "/settings/",
        {**FORM, "local_model": "htdemucs_9000", "lalalai_splitter": "orion", "lalalai_stems": ["synthesizer"]},
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "htdemucs_9000 is not one of the available choices" in field_block(html, "local_model")
    assert "errorlist" not in field_block(html, "engine")
    assert "htdemucs_9000" not in str(UserPreferences.objects.filter(user=user).values_list("engine_values"))
    answer = user_client.post("/settings/", {**FORM, "lalalai_splitter": "orion", "lalalai_stems": ["synthesizer"]})
    assert "needs the phoenix splitter" in field_block(answer.content.decode(), "lalalai_stems")


def test_the_key_is_masked_replaced_and_removed_on_the_page(user_client, user, caplog):
    caplog.set_level(logging.DEBUG)
    user_client.post("/settings/", {**FORM, "lalalai_key": KEY})
    html = user_client.get("/settings/").content.decode()
    assert "Saved key: ••••Q8rT" in html and KEY not in html
    assert engine_secret(user=user, engine="lalalai") == KEY
    assert KEY not in str(UserPreferences.objects.get(user=user).secrets)
    user_client.post("/settings/", FORM)  # an empty key field keeps the key
    assert engine_secret(user=user, engine="lalalai") == KEY
    user_client.post("/settings/", {**FORM, "lalalai_key": "Second-key-000000-ZZZZ"})
    assert "••••ZZZZ" in user_client.get("/settings/").content.decode()
    user_client.post("/settings/", {**FORM, "lalalai_key_remove": "on"})
    assert "No key saved" in user_client.get("/settings/").content.decode()
    assert engine_secret(user=user, engine="lalalai") is None
    assert KEY not in caplog.text and "Second-key" not in caplog.text


def test_a_refused_key_is_not_echoed_back(user_client, user):
    html = user_client.post("/settings/", {**FORM, "lalalai_key": "has a space"}).content.decode()
    assert "without spaces" in field_block(html, "lalalai_key") and "has a space" not in html


def test_a_refusal_elsewhere_keeps_the_typed_key_and_lists_what_was_refused_first(user_client, user):
    html = user_client.post(
        "/settings/", {**FORM, "lalalai_key": KEY, "lalalai_splitter": "orion", "lalalai_stems": ["synthesizer"]}
    ).content.decode()
    summary = html[html.index('id="form-errors"') : html.index("</div>", html.index('id="form-errors"'))]
    assert 'href="#field-lalalai_stems"' in summary and "needs the phoenix splitter" in summary
    assert html.index('id="form-errors"') < html.index('id="field-engine"'), "above the first field"
    assert f'value="{KEY}"' in field_block(html, "lalalai_key"), "what was typed is still there"
    assert engine_secret(user=user, engine="lalalai") is None, "and nothing was saved"


def test_the_separate_stems_form_starts_from_the_settings(user_client, user):
    preferences_update(
        user=user,
        values={
            "engine": "lalalai",
            "lalalai_splitter": "orion",
            "stems_mode": "two",
            "output_format": "flac",
            "sample_rate": "48000",
            "normalise": True,
        },
    )
    html = user_client.get("/").content.decode()
    data = json.loads(re.search(r'<script id="jobs-data" type="application/json">(.*?)</script>', html, re.S)[1])
    assert data["defaults"] == {
        "engine": "lalalai",
        "model": "orion",
        "stems_mode": "two",
        "output_format": "flac",
        "sample_rate": 48000,
        "normalise": True,
    }
    assert '<option value="48000" selected>' in html and 'name="normalise" id="sep-normalise" checked' in html


def test_secrets_survive_a_round_trip_but_not_a_changed_key(settings):
    token = secret_encrypt(KEY)
    assert KEY not in token and secret_decrypt(token) == KEY
    assert secret_encrypt(KEY) != token  # a fresh IV each time
    settings.SETTINGS_ENCRYPTION_KEY = "another-installation-key"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)


def test_an_unreadable_key_is_an_error_in_the_engines_words_never_no_key(user, settings):
    preferences_update(user=user, values={"lalalai_key": KEY})
    settings.SETTINGS_ENCRYPTION_KEY = "rotated-without-care"
    with pytest.raises(EngineAuthError) as refused:
        engine_secret(user=user, engine="lalalai")
    assert refused.value.message == (
        "Your saved lalal.ai cloud key can no longer be read; enter it again on the Settings page."
    )


def test_a_secret_key_rotated_with_its_fallback_keeps_saved_keys_readable(user, settings):
    preferences_update(user=user, values={"lalalai_key": KEY})
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 60, [old]
    assert engine_secret(user=user, engine="lalalai") == KEY


def test_the_settings_page_asks_for_the_minutes_left_of_each_engine_billed_by_the_minute(user_client):
    html = user_client.get("/settings/").content.decode()
    assert html.count('class="account-minutes"') == 1
    section = html[html.index("<legend>lalal.ai cloud</legend>") :].split("</fieldset>", 1)[0]
    assert 'data-url="/api/lalalai/quota"' in section
