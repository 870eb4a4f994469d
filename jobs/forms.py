"""The Separate Stems form, as the library page shows it (its script sends it to the jobs API)."""

from django import forms

from audio.engines.base import MODEL_DOWNLOADS, MODEL_MISSING, MODEL_READY, OUTPUT_FORMATS, STEMS_LABELS
from jobs.preview import PREVIEW_SECONDS

MODEL_STATE_WORDS = {MODEL_DOWNLOADS: "downloads on first use", MODEL_MISSING: "not available"}


class SeparateForm(forms.Form):
    """Field names are the jobs API's; the models are grouped by engine label."""

    engine = forms.ChoiceField(choices=[])
    model = forms.ChoiceField(choices=[])
    stems = forms.ChoiceField(choices=list(STEMS_LABELS.items()), widget=forms.RadioSelect)
    output_format = forms.ChoiceField(label="Format", choices=[(name, name.upper()) for name in OUTPUT_FORMATS])
    preview = forms.BooleanField(required=False, label=f"Preview: {PREVIEW_SECONDS:g} s from where the vocals start")

    def __init__(self, *args, catalog: list[dict], **kwargs):
        """``catalog``: preferences.services.models_catalog for the user."""
        super().__init__(*args, **kwargs)
        self.fields["engine"].choices = [(engine["name"], engine["label"]) for engine in catalog]
        self.fields["model"].choices = [
            (engine["label"], [(model["name"], _model_label(model)) for model in engine["models"]])
            for engine in catalog
        ]


def _model_label(model: dict) -> str:
    return model["name"] if model["state"] == MODEL_READY else f"{model['name']} ({MODEL_STATE_WORDS[model['state']]})"
