"""The Separate Stems form; the choices come from the engine registry."""
from django import forms

from audio.engines.base import OUTPUT_FORMATS
from audio.engines.registry import ENGINE_LABELS, engine_names

STEMS_LABELS = {"all": "All stems", "two": "Two stems: vocals + instrumental"}


class SeparateForm(forms.Form):
    engine = forms.ChoiceField(choices=[])
    model = forms.CharField(max_length=40)
    stems_mode = forms.ChoiceField(choices=list(STEMS_LABELS.items()))
    output_format = forms.ChoiceField(choices=[(f, f.upper()) for f in OUTPUT_FORMATS])
    preview = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engine"].choices = [(name, ENGINE_LABELS.get(name, name)) for name in engine_names()]
