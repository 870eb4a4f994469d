"""Product stem names, lalal.ai stem labels, splitters, and how a request
becomes one lalal.ai split call.

Label mapping (lalal.ai track label -> SoundForge stem name):

* a separated stem keeps its name, except ``drum`` which becomes ``drums``
  (the name the Demucs engine uses too);
* ``no_vocals`` (the track minus vocals) becomes ``instrumental``;
* ``no_<stem>`` for any other single stem becomes ``no_<product name>``,
  e.g. ``no_drum`` -> ``no_drums``;
* ``no_multistem`` (what is left after several stems) becomes ``other``,
  as in Demucs' four-stem output.

Rules taken from lalal.ai's v1 API: one stem goes to ``split/stem_separator/``
(result: the stem and ``no_<stem>``), several go to ``split/multistem/``
(result: the stems and ``no_multistem``). ``synthesizer``, ``strings`` and
``wind`` exist only in the phoenix splitter and only through the one-stem
endpoint. Without a splitter lalal.ai picks its newest one for the stems
(model name ``auto`` here). Extraction level defaults to ``deep_extraction``
and does not affect andromeda; dereverb only affects vocals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from audio.engines.base import OUTPUT_FORMATS, STEMS_TWO, EngineRejectedInput, SeparationRequest

AUTO_SPLITTER = "auto"
SPLITTERS = ("andromeda", "perseus", "orion", "phoenix", "lyra")
PHOENIX = "phoenix"

# Product stem name -> lalal.ai stem label.
STEM_LABELS = {
    "vocals": "vocals",
    "drums": "drum",
    "bass": "bass",
    "piano": "piano",
    "electric_guitar": "electric_guitar",
    "acoustic_guitar": "acoustic_guitar",
    "synthesizer": "synthesizer",
    "strings": "strings",
    "wind": "wind",
}
PHOENIX_ONLY = ("synthesizer", "strings", "wind")
MULTISTEM_STEMS = tuple(name for name in STEM_LABELS if name not in PHOENIX_ONLY)
REST_STEM = "other"
INSTRUMENTAL_STEM = "instrumental"
EXTRACTION_LEVELS = ("deep_extraction", "clear_cut")

_PRODUCT_BY_LABEL = {label: name for name, label in STEM_LABELS.items()}


@dataclass(frozen=True)
class SplitPlan:
    """One split call: its endpoint path, its presets, and the stems it yields."""

    endpoint: str
    presets: dict
    stems: tuple[str, ...]

    @property
    def splitter(self) -> str:
        return self.presets.get("splitter") or AUTO_SPLITTER


def stem_for_label(label: str) -> str:
    """Map a lalal.ai track label to the product's stem name.

    Raises ``KeyError`` for a label lalal.ai does not document.
    """
    if label == "no_multistem":
        return REST_STEM
    if label == "no_vocals":
        return INSTRUMENTAL_STEM
    if label.startswith("no_"):
        return "no_" + _PRODUCT_BY_LABEL[label[3:]]
    return _PRODUCT_BY_LABEL[label]


def models() -> dict[str, list[str]]:
    """Splitter name -> the stems it produces when every stem is asked for."""
    all_stems = [*MULTISTEM_STEMS, REST_STEM]
    return {name: list(all_stems) for name in (AUTO_SPLITTER, *SPLITTERS)}


def plan_split(request: SeparationRequest) -> SplitPlan:
    """Turn a separation request into one lalal.ai split call.

    Raises ``EngineRejectedInput`` for an unknown splitter, stem, format or
    option, and for stems the chosen splitter cannot produce.
    """
    splitter, stems = checked_choice(request.model, _stems_of(request.stems, request.options))
    presets = _common_presets(request, splitter)
    if len(stems) == 1:
        presets["stem"] = STEM_LABELS[stems[0]]
        back = INSTRUMENTAL_STEM if stems[0] == "vocals" else "no_" + stems[0]
        return SplitPlan("split/stem_separator/", presets, (stems[0], back))
    presets["stem_list"] = [STEM_LABELS[name] for name in stems]
    return SplitPlan("split/multistem/", presets, (*stems, REST_STEM))


def asked_stems(model: str, stems_mode: str, options: Mapping[str, object]) -> list[str]:
    """The stems a job asks lalal.ai for (what it bills), without the rest track it adds.
    Raises ``EngineRejectedInput`` as ``checked_choice`` does."""
    return checked_choice(model, _stems_of(stems_mode, options))[1]


def _stems_of(stems_mode: str, options: Mapping[str, object]) -> object:
    return ["vocals"] if stems_mode == STEMS_TWO else options.get("stems")


def checked_choice(model: str, stems: object) -> tuple[str | None, list[str]]:
    """The splitter (None for auto) and the stems a split asks for (none given: every
    stem of one multistem call).

    Raises ``EngineRejectedInput`` for an unknown splitter or stem, and for stems the
    chosen splitter cannot produce.
    """
    splitter = _splitter(model)
    wanted = _requested_stems(stems)
    _check_splitter_supports(splitter, wanted)
    return splitter, wanted


def _splitter(model: str) -> str | None:
    if model in ("", AUTO_SPLITTER):
        return None
    if model not in SPLITTERS:
        raise EngineRejectedInput(
            f"Unknown lalal.ai splitter {model!r}; choose one of: {', '.join((AUTO_SPLITTER, *SPLITTERS))}."
        )
    return model


def _requested_stems(stems: object) -> list[str]:
    stems = stems or list(MULTISTEM_STEMS)
    if not isinstance(stems, (list, tuple)) or not all(isinstance(s, str) for s in stems):
        raise EngineRejectedInput("The lalal.ai stems option must be a list of stem names.")
    unknown = [name for name in stems if name not in STEM_LABELS]
    if unknown:
        raise EngineRejectedInput(
            f"Unknown stem(s) for lalal.ai: {', '.join(unknown)}; choose from: {', '.join(STEM_LABELS)}."
        )
    if len(set(stems)) != len(stems):
        raise EngineRejectedInput("Each lalal.ai stem may be asked for only once.")
    return list(stems)


def _check_splitter_supports(splitter: str | None, stems: list[str]) -> None:
    phoenix_only = [name for name in stems if name in PHOENIX_ONLY]
    if not phoenix_only:
        return
    if splitter != PHOENIX:
        raise EngineRejectedInput(
            f"The {', '.join(phoenix_only)} stem needs the phoenix splitter; choose phoenix in the lalal.ai settings."
        )
    if len(stems) > 1:
        raise EngineRejectedInput(
            "lalal.ai separates synthesizer, strings or wind one stem at a time; ask for that stem alone."
        )


def _common_presets(request: SeparationRequest, splitter: str | None) -> dict:
    if request.output_format not in OUTPUT_FORMATS:
        raise EngineRejectedInput(
            f"Unknown output format {request.output_format!r}; choose one of: {', '.join(OUTPUT_FORMATS)}."
        )
    level = request.options.get("extraction_level", EXTRACTION_LEVELS[0])
    if level not in EXTRACTION_LEVELS:
        raise EngineRejectedInput(
            f"Unknown lalal.ai extraction level {level!r}; choose one of: {', '.join(EXTRACTION_LEVELS)}."
        )
    dereverb = request.options.get("dereverb", False)
    if not isinstance(dereverb, bool):
        raise EngineRejectedInput("The lalal.ai dereverb option must be true or false.")
    return {
        "splitter": splitter,
        "dereverb_enabled": dereverb,
        "encoder_format": request.output_format,
        "extraction_level": level,
    }
