"""GET and PUT /api/settings/: validated per field, the lalal.ai key never comes back."""

import logging

from django.db import connection

KEY = "LALAL-secret-0123456789-wxyz"


def test_a_new_user_starts_from_the_defaults(api):
    answer = api.get("/api/settings/")
    assert answer.status_code == 200
    assert answer.json() == {
        "engine": "local",
        "local_model": "htdemucs",
        "stems_mode": "all",
        "output_format": "wav",
        "sample_rate": "44100",
        "normalise": False,
        "lalalai_key_set": False,
        "lalalai_key_masked": None,
        "lalalai_splitter": "auto",
        "lalalai_extraction_level": "deep_extraction",
        "lalalai_dereverb": False,
        "lalalai_stems": [],
    }


def test_put_changes_the_given_fields_and_keeps_the_rest(api, other_api):
    answer = api.put(
        "/api/settings/",
        {
            "engine": "lalalai",
            "local_model": "htdemucs_6s",
            "lalalai_splitter": "perseus",
            "lalalai_stems": ["vocals", "drums"],
        },
        format="json",
    )
    assert answer.status_code == 200
    again = api.put("/api/settings/", {"output_format": "flac"}, format="json").json()
    assert again["engine"] == "lalalai" and again["local_model"] == "htdemucs_6s"
    assert again["output_format"] == "flac" and again["lalalai_stems"] == ["vocals", "drums"]
    assert api.get("/api/settings/").json() == again
    assert other_api.get("/api/settings/").json()["engine"] == "local"


def test_bad_values_are_named_with_a_readable_message_and_nothing_is_saved(api):
    answer = api.put(
        "/api/settings/", {"engine": "spotify", "local_model": "htdemucs_ft", "lalalai_stems": ["kazoo"]}, format="json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert set(body["errors"]) == {"engine", "lalalai_stems.0"}
    assert '"spotify" is not a valid choice.' in body["detail"]
    assert api.get("/api/settings/").json()["local_model"] == "htdemucs"
    assert api.put("/api/settings/", {"lalalai_dereverb": "sometimes"}, format="json").status_code == 400
    assert api.put("/api/settings/", ["engine"], format="json").status_code == 400
    assert api.put("/api/settings/", "{not json", content_type="application/json").status_code == 400


def test_phoenix_only_stems_need_phoenix_and_go_alone(api):
    answer = api.put("/api/settings/", {"lalalai_splitter": "orion", "lalalai_stems": ["strings"]}, format="json")
    assert answer.status_code == 400
    assert "phoenix" in answer.json()["errors"]["lalalai_stems"]
    together = api.put(
        "/api/settings/", {"lalalai_splitter": "phoenix", "lalalai_stems": ["strings", "wind"]}, format="json"
    )
    assert together.status_code == 400 and "one stem at a time" in together.json()["errors"]["lalalai_stems"]
    alone = api.put("/api/settings/", {"lalalai_splitter": "phoenix", "lalalai_stems": ["strings"]}, format="json")
    assert alone.status_code == 200


def test_the_key_is_masked_encrypted_and_never_logged(api, user, caplog):
    caplog.set_level(logging.DEBUG)
    saved = api.put("/api/settings/", {"lalalai_key": KEY}, format="json")
    assert saved.status_code == 200
    assert saved.json()["lalalai_key_set"] is True and saved.json()["lalalai_key_masked"] == "••••wxyz"
    shown = api.get("/api/settings/")
    for answer in (saved, shown):
        assert KEY not in answer.content.decode() and 'lalalai_key"' not in answer.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM preferences_userpreferences")
        rows = repr(cursor.fetchall())
    assert "secret-0123456789" not in rows and len(rows) > 100
    assert "secret-0123456789" not in caplog.text and "lalalai_key replaced" in caplog.text


def test_the_key_can_be_replaced_and_removed(api):
    api.put("/api/settings/", {"lalalai_key": KEY}, format="json")
    replaced = api.put("/api/settings/", {"lalalai_key": "another-key-for-lalal-9876"}, format="json").json()
    assert replaced["lalalai_key_masked"] == "••••9876"
    assert api.put("/api/settings/", {"engine": "local"}, format="json").json()["lalalai_key_set"] is True
    removed = api.put("/api/settings/", {"lalalai_key": None}, format="json").json()
    assert removed["lalalai_key_set"] is False and removed["lalalai_key_masked"] is None


def test_a_key_with_spaces_inside_is_refused(api):
    answer = api.put("/api/settings/", {"lalalai_key": "my key with spaces"}, format="json")
    assert answer.status_code == 400
    assert "spaces" in answer.json()["errors"]["lalalai_key"]
    assert api.get("/api/settings/").json()["lalalai_key_set"] is False
