"""The Settings page: its form and its view (the rules live in jobs.user_settings)."""
from django import forms
from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audio.engines.registry import ENGINE_LABELS
from jobs.forms import STEMS_LABELS
from jobs.user_settings import (
    CHOICES,
    EDITABLE,
    KEY_MAX_LENGTH,
    LALALAI_STEMS,
    SettingsInvalid,
    lalalai_key_mask,
    settings_get,
    settings_update,
)

LABELS = {**ENGINE_LABELS, **STEMS_LABELS, "auto": "Automatic (lalal.ai picks its newest)",
          "deep_extraction": "Deep extraction", "clear_cut": "Clear cut"}


def _choices(name: str) -> list[tuple[str, str]]:
    return [(value, LABELS.get(value, value)) for value in CHOICES[name]]


class SettingsForm(forms.Form):
    engine = forms.ChoiceField(choices=_choices("engine"), widget=forms.RadioSelect)
    local_model = forms.ChoiceField(label="Local model", choices=_choices("local_model"))
    stems_mode = forms.ChoiceField(label="Stems", choices=_choices("stems_mode"), widget=forms.RadioSelect)
    output_format = forms.ChoiceField(label="Output format", choices=_choices("output_format"))
    lalalai_key = forms.CharField(
        label="lalal.ai licence key", required=False, max_length=KEY_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the saved key.")
    lalalai_key_remove = forms.BooleanField(label="Remove the saved key", required=False)
    lalalai_splitter = forms.ChoiceField(label="lalal.ai splitter", choices=_choices("lalalai_splitter"))
    lalalai_extraction_level = forms.ChoiceField(label="Extraction level", choices=_choices("lalalai_extraction_level"))
    lalalai_dereverb = forms.BooleanField(label="Remove reverb from vocals", required=False)
    lalalai_stems = forms.MultipleChoiceField(
        label="lalal.ai stems", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, name.replace("_", " ")) for name in LALALAI_STEMS],
        help_text="None ticked: every stem lalal.ai splits in one go. Synthesizer, strings and wind "
                  "need the phoenix splitter and are separated alone.")

    def values(self) -> dict:
        """The cleaned form as settings_update takes it; the key only when it changes."""
        values = {name: self.cleaned_data[name] for name in EDITABLE}
        if self.cleaned_data["lalalai_key_remove"]:
            values["lalalai_key"] = ""
        elif self.cleaned_data["lalalai_key"]:
            values["lalalai_key"] = self.cleaned_data["lalalai_key"]
        return values


@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    row = settings_get(user=request.user)
    if request.method == "GET":
        form = SettingsForm(initial=model_to_dict(row, fields=EDITABLE))
    else:
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                settings_update(user=request.user, values=form.values())
            except SettingsInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "Settings saved.")
                return redirect("settings")
    return render(request, "jobs/settings.html", {"form": form, "key_mask": lalalai_key_mask(row=row)})
