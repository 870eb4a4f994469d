"""A user's preferences: separation defaults, each engine's choices and secrets.

``preferences_get`` reads (creating the row on first read), ``preferences_update``
validates and writes. A secret goes in encrypted (preferences.secret_box) and
comes out only through ``engine_secret`` (for jobs and account calls) or masked
through ``secret_mask`` (for pages and the API); it is never logged.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audio.engines.base import EngineAuthError, ModelState
from audio.engines.registry import all_engines, get_engine
from preferences.catalog import common_preferences, engine_preferences, value_problem
from preferences.models import UserPreferences
from preferences.secret_box import SecretUnreadable, secret_decrypt, secret_encrypt

logger = logging.getLogger(__name__)
UNREADABLE_MASK = "(unreadable: enter the key again)"


class PreferencesInvalid(Exception):
    """Some values were refused; ``errors`` maps each field to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def preferences_get(*, user: AbstractBaseUser) -> UserPreferences:
    """The user's preferences row, created with the defaults on first read."""
    row, _ = UserPreferences.objects.get_or_create(user=user)
    return row


def preference_values(*, row: UserPreferences) -> dict[str, object]:
    """Every preference that is not a secret, by flat name, defaults filled in."""
    values = {preference.name: getattr(row, preference.name) for preference in common_preferences()}
    for item in engine_preferences():
        if item.preference.kind != "secret":
            stored = row.engine_values.get(item.engine.name, {})
            values[item.key] = stored.get(item.preference.name, item.preference.default)
    return values


def secret_keys() -> list[str]:
    """The flat names of the secret preferences (``lalalai_key``...)."""
    return [item.key for item in engine_preferences() if item.preference.kind == "secret"]


def preferences_update(*, user: AbstractBaseUser, values: dict) -> UserPreferences:
    """Change the given preferences, by flat name.

    A secret: a string replaces the saved one, "" or None removes it. Raises
    PreferencesInvalid, with one message per refused field; nothing is saved then.
    """
    common = {preference.name: preference for preference in common_preferences()}
    items = {item.key: item for item in engine_preferences()}
    unknown = sorted(set(values) - set(common) - set(items))
    if unknown:
        raise PreferencesInvalid(dict.fromkeys(unknown, "This setting does not exist."))
    errors = {}
    for key, value in values.items():
        problem = value_problem(common[key] if key in common else items[key].preference, value)
        if problem:
            errors[key] = problem
    with transaction.atomic():
        row = UserPreferences.objects.select_for_update().get(pk=preferences_get(user=user).pk)
        new_secrets: dict[str, str] = {}
        for key, value in values.items():
            if key in common:
                setattr(row, key, value)
            elif key not in errors:
                _assign(row, items[key], value, new_secrets)
        touched = {items[key].engine for key in values if key in items}
        for engine in touched:
            if not any(key in errors for key in items if items[key].engine is engine):
                own = {**_engine_values(row, engine.name), **new_secrets.get(engine.name, {})}
                errors.update(
                    {f"{engine.name}_{name}": message for name, message in engine.preference_problems(own).items()}
                )
        if errors:
            raise PreferencesInvalid(errors)
        row.save()
    secrets = set(secret_keys())
    changes = "".join(f" ({key} {'replaced' if values[key] else 'removed'})" for key in values if key in secrets)
    logger.info("User %s changed settings %s%s", user.pk, sorted(set(values) - secrets), changes)
    return row


def _assign(row: UserPreferences, item, value, new_secrets: dict[str, dict[str, str]]) -> None:
    engine, name = item.engine.name, item.preference.name
    if item.preference.kind != "secret":
        row.engine_values.setdefault(engine, {})[name] = list(value) if item.preference.kind == "choices" else value
        return
    stored = row.secrets.setdefault(engine, {})
    secret = (value or "").strip()
    if secret:
        stored[name] = secret_encrypt(secret)
        new_secrets.setdefault(engine, {})[name] = secret
    elif value:  # only blanks: refused by the engine's rules as an unreadable key would be
        new_secrets.setdefault(engine, {})[name] = value
    else:
        stored.pop(name, None)


def _engine_values(row: UserPreferences, engine: str) -> dict[str, object]:
    stored = row.engine_values.get(engine, {})
    return {
        preference.name: stored.get(preference.name, preference.default)
        for preference in get_engine(engine).preferences
        if preference.kind != "secret"
    }


def engine_secret(*, user: AbstractBaseUser, engine: str) -> str | None:
    """The user's clear secret for ``engine`` (for a job or an account call); None when unset.

    Raises EngineAuthError, in the engine's own words, when a saved secret can no
    longer be decrypted: never None then, or the engine would fall back to the
    installation's key and bill the operator for the user's work.
    """
    token = _secret_token(preferences_get(user=user), engine)
    if token is None:
        return None
    try:
        return secret_decrypt(token)
    except SecretUnreadable as exc:
        logger.warning(
            "The %s secret of user %s cannot be decrypted (SETTINGS_ENCRYPTION_KEY or SECRET_KEY changed?)",
            engine,
            user.pk,
        )
        raise EngineAuthError(
            f"Your saved {get_engine(engine).label} key can no longer be read; enter it again on the Settings page."
        ) from exc


def _secret_token(row: UserPreferences, engine: str) -> str | None:
    for preference in get_engine(engine).preferences:
        if preference.kind == "secret":
            return row.secrets.get(engine, {}).get(preference.name) or None
    return None


def secret_mask(*, row: UserPreferences, engine: str) -> str | None:
    """The saved secret as the user may see it again: its last 4 characters at most; None when unset."""
    token = _secret_token(row, engine)
    if token is None:
        return None
    try:
        secret = secret_decrypt(token)
    except SecretUnreadable:
        return UNREADABLE_MASK
    return "••••" + secret[-4:] if len(secret) >= 12 else "••••"


def model_states(*, user: AbstractBaseUser, engine: str) -> dict[str, ModelState]:
    """Whether each of the engine's models can run here for ``user`` (their own key counts)."""
    own = _secret_token(preferences_get(user=user), engine) is not None
    return get_engine(engine).model_states(own_credentials=own)


def separation_defaults(*, user: AbstractBaseUser, engine: str | None = None) -> dict:
    """What a separation starts from: engine (``engine`` or the preferred one), its model,
    stems mode, output format, sample rate and normalisation. A model the user chose is kept
    while it can run here; the engine's own default is replaced by its first ready model when
    it is not ready (a default that cannot run on this installation helps no one)."""
    row = preferences_get(user=user)
    engine = engine or row.engine
    found = get_engine(engine)
    model, _ = found.job_choices(_engine_values(row, engine))
    default, _ = found.job_choices({item.name: item.default for item in found.preferences if item.kind != "secret"})
    states = model_states(user=user, engine=engine)
    chosen = model != default
    if model in states and not (states[model].usable if chosen else states[model].ready):
        model = next((name for name, state in states.items() if state.ready), model)
    return {
        "engine": engine,
        "model": model,
        "stems_mode": row.stems_mode,
        "output_format": row.output_format,
        "sample_rate": int(row.sample_rate),
        "normalise": row.normalise,
    }


def models_catalog(*, user: AbstractBaseUser) -> list[dict]:
    """Every engine with its models: their stems, whether each can run here for ``user``,
    and which one a job of the engine gets by default."""
    catalog = []
    for engine in all_engines():
        states = model_states(user=user, engine=engine.name)
        default = separation_defaults(user=user, engine=engine.name)["model"]
        models = [
            {
                "name": name,
                "stems": stems,
                "state": states[name].state,
                "note": states[name].note,
                "default": name == default,
            }
            for name, stems in engine.models().items()
        ]
        catalog.append({"name": engine.name, "label": engine.label, "models": models})
    return catalog


def separation_options(*, user: AbstractBaseUser, engine: str) -> dict:
    """The job options the user's preferences give a job on ``engine``."""
    _, options = get_engine(engine).job_choices(_engine_values(preferences_get(user=user), engine))
    return options
