"""The Separate Stems form, as the library page shows it (its script sends it to the jobs API)."""

from django import forms

from audio.engines.base import OUTPUT_FORMATS, STEMS_LABELS
from audio.engines.registry import all_engines
from audio.finishing import SAMPLE_RATES
from jobs.preview import PREVIEW_SECONDS


class SeparateForm(forms.Form):
    """Field names are the jobs API's; the models are grouped by engine label."""

    engine = forms.ChoiceField(choices=[])
    model = forms.ChoiceField(choices=[])
    stems = forms.ChoiceField(choices=list(STEMS_LABELS.items()), widget=forms.RadioSelect)
    output_format = forms.ChoiceField(label="Format", choices=[(name, name.upper()) for name in OUTPUT_FORMATS])
    preview = forms.BooleanField(required=False, label=f"Preview: {PREVIEW_SECONDS:g} s from where the vocals start")
    sample_rate = forms.TypedChoiceField(
        label="Sample rate", coerce=int, choices=[(rate, f"{rate / 1000:g} kHz") for rate in SAMPLE_RATES]
    )
    normalise = forms.BooleanField(required=False, label="Loudness-safe normalisation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        engines = all_engines()
        self.fields["engine"].choices = [(engine.name, engine.label) for engine in engines]
        self.fields["model"].choices = [
            (engine.label, [(model, model) for model in engine.models()]) for engine in engines
        ]
