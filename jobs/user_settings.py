"""A user's settings: separation defaults and their lalal.ai account.

``settings_get`` reads (creating the row with the defaults on first read),
``settings_update`` validates and writes. The lalal.ai key goes in encrypted
(jobs.secret_box) and comes out only through ``lalalai_key_get`` (for jobs) or
masked through ``lalalai_key_mask`` (for pages and the API); it is never logged.
"""
from __future__ import annotations

import logging
import string
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audio.engines.base import OUTPUT_FORMATS, STEMS_ALL, STEMS_MODES, EngineRejectedInput, SeparationRequest
from audio.engines.lalalai import stems as lalalai_stems
from audio.engines.local.catalog import MODEL_STEMS
from audio.engines.registry import engine_names
from jobs.models import UserSettings
from jobs.secret_box import SecretUnreadable, secret_decrypt, secret_encrypt

logger = logging.getLogger(__name__)

LALALAI = "lalalai"
KEY_MAX_LENGTH = 128
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)
# Field -> the values it accepts; forms and API serializers offer the same lists.
ENGINES = tuple(engine_names())
CHOICES: dict[str, tuple[str, ...]] = {
    "engine": ENGINES,
    "local_model": tuple(MODEL_STEMS),
    "stems_mode": STEMS_MODES,
    "output_format": OUTPUT_FORMATS,
    "lalalai_splitter": (lalalai_stems.AUTO_SPLITTER, *lalalai_stems.SPLITTERS),
    "lalalai_extraction_level": lalalai_stems.EXTRACTION_LEVELS,
}
LALALAI_STEMS = tuple(lalalai_stems.STEM_LABELS)
EDITABLE = (*CHOICES, "lalalai_dereverb", "lalalai_stems")


class SettingsInvalid(Exception):
    """Some values were refused; ``errors`` maps each field to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def settings_get(*, user: AbstractBaseUser) -> UserSettings:
    """The user's settings row, created with the defaults on first read."""
    row, _ = UserSettings.objects.get_or_create(user=user)
    return row


def settings_update(*, user: AbstractBaseUser, values: dict) -> UserSettings:
    """Change the given fields (any of EDITABLE, plus ``lalalai_key``).

    ``lalalai_key``: a string replaces the saved key, "" or None removes it.
    Raises SettingsInvalid, with one message per refused field; nothing is saved then.
    """
    unknown = sorted(set(values) - {*EDITABLE, "lalalai_key"})
    if unknown:
        raise SettingsInvalid({name: "This setting does not exist." for name in unknown})
    with transaction.atomic():
        row = UserSettings.objects.select_for_update().get(pk=settings_get(user=user).pk)
        errors = _assign(row, values)
        errors.update(_lalalai_problem(row, errors))
        if errors:
            raise SettingsInvalid(errors)
        row.save()
    key_change = "" if "lalalai_key" not in values else (" (lalal.ai key replaced)" if values["lalalai_key"]
                                                          else " (lalal.ai key removed)")
    logger.info("User %s changed settings %s%s", user.pk, sorted(set(values) - {"lalalai_key"}), key_change)
    return row


def _assign(row: UserSettings, values: dict) -> dict[str, str]:
    errors = {}
    for name, value in values.items():
        if name in CHOICES and value not in CHOICES[name]:
            errors[name] = f"Choose one of: {', '.join(CHOICES[name])}."
        elif name == "lalalai_dereverb" and not isinstance(value, bool):
            errors[name] = "Must be true or false."
        elif name == "lalalai_stems":
            problem = _stems_problem(value)
            if problem:
                errors[name] = problem
            else:
                row.lalalai_stems = list(value)
        elif name == "lalalai_key":
            problem = _key_problem(value)
            if problem:
                errors[name] = problem
            else:
                row.lalalai_key_encrypted = secret_encrypt(value.strip()) if value else ""
        else:
            setattr(row, name, value)
    return errors


def _stems_problem(value) -> str | None:
    if not isinstance(value, (list, tuple)) or not all(isinstance(name, str) for name in value):
        return "Must be a list of stem names."
    unknown = [name for name in value if name not in LALALAI_STEMS]
    if unknown:
        return f"Unknown stem(s): {', '.join(unknown)}; choose from: {', '.join(LALALAI_STEMS)}."
    return None


def _key_problem(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return "Must be text."
    key = value.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not set(key) <= _KEY_CHARACTERS:
        return (f"A lalal.ai licence key is 1 to {KEY_MAX_LENGTH} letters, digits or punctuation, "
                "without spaces: paste it from your lalal.ai account page.")
    return None


def _lalalai_problem(row: UserSettings, errors: dict) -> dict[str, str]:
    """The splitter and stem rules of lalal.ai (phoenix-only stems...), checked as a job would be."""
    if {"lalalai_splitter", "lalalai_stems", "lalalai_extraction_level"} & set(errors):
        return {}
    request = SeparationRequest(input_path=Path(), work_dir=Path(), model=row.lalalai_splitter,
                                stems=STEMS_ALL, output_format=row.output_format,
                                options=_lalalai_options(row))
    try:
        lalalai_stems.plan_split(request)
    except EngineRejectedInput as exc:
        return {"lalalai_stems": exc.message}
    return {}


def _lalalai_options(row: UserSettings) -> dict:
    return {"dereverb": row.lalalai_dereverb, "extraction_level": row.lalalai_extraction_level,
            "stems": list(row.lalalai_stems)}


def separation_defaults(*, user: AbstractBaseUser, engine: str | None = None) -> dict:
    """What a separation starts from: engine (``engine`` or the preferred one), its model,
    stems mode and output format."""
    row = settings_get(user=user)
    engine = engine or row.engine
    model = row.lalalai_splitter if engine == LALALAI else row.local_model
    return {"engine": engine, "model": model, "stems_mode": row.stems_mode, "output_format": row.output_format}


def separation_options(*, user: AbstractBaseUser, engine: str) -> dict:
    """The job options the user's settings give a job on ``engine`` (lalal.ai's; none for local)."""
    return _lalalai_options(settings_get(user=user)) if engine == LALALAI else {}


def lalalai_key_get(*, user: AbstractBaseUser) -> str | None:
    """The user's clear lalal.ai key for a job or an account call; None when unset or unreadable."""
    row = settings_get(user=user)
    if not row.has_lalalai_key:
        return None
    try:
        return secret_decrypt(row.lalalai_key_encrypted)
    except SecretUnreadable:
        logger.warning("The lalal.ai key of user %s cannot be decrypted (SETTINGS_ENCRYPTION_KEY changed?)",
                       user.pk)
        return None


def lalalai_key_mask(*, row: UserSettings) -> str | None:
    """The saved key as the user may see it again: its last 4 characters at most; None when unset."""
    if not row.has_lalalai_key:
        return None
    try:
        key = secret_decrypt(row.lalalai_key_encrypted)
    except SecretUnreadable:
        return "(unreadable: enter the key again)"
    return "••••" + key[-4:] if len(key) >= 12 else "••••"
