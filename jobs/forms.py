"""The Separate Stems form, as the library page shows it (its script sends it to the jobs API)."""

from django import forms

from audio.engines.base import MODEL_DOWNLOADS, MODEL_MISSING, MODEL_READY, OUTPUT_FORMATS, STEMS_LABELS
from audio.finishing import SAMPLE_RATES
from audio.selectors import DEFAULT_ORDERING, MAX_QUERY, TRACK_ORDERINGS
from jobs.preview import PREVIEW_SECONDS

# How the library page names each ordering, ascending then descending (audio.selectors.TRACK_ORDERINGS);
# one without words here is shown by its name with an arrow.
ORDERING_WORDS = {
    "added": ("Oldest first", "Newest first"),
    "title": ("Title A–Z", "Title Z–A"),
    "artist": ("Artist A–Z", "Artist Z–A"),
    "album": ("Album A–Z", "Album Z–A"),
    "duration": ("Shortest first", "Longest first"),
    "bpm": ("Tempo, slowest first", "Tempo, fastest first"),
    "key": ("Key, Camelot 1A–12B", "Key, Camelot 12B–1A"),
}
SEPARATED_CHOICES = {"": "All tracks", "yes": "With stems", "no": "Not separated yet"}


def _ordering_choices() -> list[tuple[str, str]]:
    choices = []
    for name in TRACK_ORDERINGS:
        up, down = ORDERING_WORDS.get(name, (f"{name} ↑", f"{name} ↓"))
        choices += (
            [(f"-{name}", down), (name, up)] if f"-{name}" == DEFAULT_ORDERING else [(name, up), (f"-{name}", down)]
        )
    return choices


class LibraryFilterForm(forms.Form):
    """The library page's search, sort and filter (GET parameters, like the tracks API's)."""

    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Search")
    ordering = forms.ChoiceField(required=False, label="Sort", choices=_ordering_choices)
    separated = forms.ChoiceField(required=False, label="Show", choices=list(SEPARATED_CHOICES.items()))

    def wanted(self) -> dict:
        """The search as jobs.selectors.library_tracks takes it; a bad value counts as not given."""
        data = self.cleaned_data if self.is_valid() else {}
        separated = data.get("separated")
        return {
            "query": data.get("q", ""),
            "ordering": data.get("ordering") or DEFAULT_ORDERING,
            "separated": {"yes": True, "no": False}.get(separated),
        }


MODEL_STATE_WORDS = {MODEL_DOWNLOADS: "downloads on first use", MODEL_MISSING: "not available"}


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
