"""The Settings page's form, built from the common preferences and every engine's own."""

from __future__ import annotations

from django import forms

from audio.engines.base import ModelState, Preference
from preferences.catalog import common_preferences, engine_preferences

KEY_MAX_LENGTH = 1000  # a bound on what is read; each engine says what a good secret is


def _field(preference: Preference, *, radio: bool = False) -> forms.Field:
    options = {"label": preference.label, "help_text": preference.help}
    if preference.kind == "choice":
        widget = forms.RadioSelect if radio else forms.Select
        return forms.ChoiceField(choices=preference.choices, widget=widget, **options)
    if preference.kind == "choices":
        return forms.MultipleChoiceField(
            choices=preference.choices, required=False, widget=forms.CheckboxSelectMultiple, **options
        )
    if preference.kind == "flag":
        return forms.BooleanField(required=False, **options)
    return forms.CharField(
        required=False,
        max_length=KEY_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        **options,
    )


class SettingsForm(forms.Form):
    """One field per preference; a secret also gets ``<name>_remove``. ``sections`` groups
    the fields for the page: the defaults, then one section per engine."""

    def __init__(self, *args, model_states: dict[str, dict[str, ModelState]] | None = None, **kwargs):
        """``model_states``: engine name -> model -> its state here; a choice of an engine's
        models says which of them are not ready."""
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[str, list[str]]] = [("Separation defaults", [])]
        for preference in common_preferences():
            self.fields[preference.name] = _field(preference, radio=preference.name != "output_format")
            self.sections[0][1].append(preference.name)
        self.secrets: dict[str, str] = {}
        for item in engine_preferences():
            if not self.sections or self.sections[-1][0] != item.engine.label:
                self.sections.append((item.engine.label, []))
            self.fields[item.key] = _field(item.preference)
            states = (model_states or {}).get(item.engine.name, {})
            if (
                item.preference.kind == "choice"
                and states
                and {name for name, _ in item.preference.choices} == set(states)
            ):
                self.fields[item.key].choices = [
                    (name, label if states[name].ready else f"{label} ({states[name].note})")
                    for name, label in item.preference.choices
                ]
            self.sections[-1][1].append(item.key)
            if item.preference.kind == "secret":
                self.secrets[item.key] = item.engine.name
                self.fields[f"{item.key}_remove"] = forms.BooleanField(label="Remove the saved key", required=False)

    def layout(self, masks: dict[str, str | None]) -> list[tuple[str, list[dict]]]:
        """The page's sections: (title, rows); a row holds a bound field, and for a secret
        its saved value's mask and its remove box (shown only when one is saved)."""
        return [
            (
                title,
                [
                    {
                        "field": self[name],
                        "secret": name in self.secrets,
                        "mask": masks.get(name),
                        "remove": self[f"{name}_remove"] if masks.get(name) else None,
                    }
                    for name in names
                ],
            )
            for title, names in self.sections
        ]

    def keep_typed_secrets(self) -> None:
        """After a refusal elsewhere, a key typed here stays in its box (a refused key itself does not)."""
        for key in self.secrets:
            if self.is_bound and self[key].value() and key not in self.errors:
                self.fields[key].widget.render_value = True

    def values(self) -> dict:
        """The cleaned form as preferences_update takes it; a secret only when it changes."""
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.secrets and not name.endswith("_remove")
        }
        for key in self.secrets:
            if self.cleaned_data[f"{key}_remove"]:
                values[key] = ""
            elif self.cleaned_data[key]:
                values[key] = self.cleaned_data[key]
        return values
