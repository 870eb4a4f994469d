"""Every preference a user has, under the flat names the Settings page and API use.

Five are common to all engines (``engine``, ``stems_mode``, ``output_format``, and how
stems are finished: ``sample_rate``, ``normalise``);
the rest come from each engine's own ``preferences``, named
``<engine>_<preference>`` (``local_model``, ``lalalai_splitter``...).
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.engines.base import OUTPUT_FORMATS, STEMS_ALL, STEMS_LABELS, Engine, Preference
from audio.engines.registry import all_engines
from audio.finishing import CEILING_DBFS, SAMPLE_RATES

# The settings' sample rates are choices like every preference's: strings (the jobs API takes numbers).
SAMPLE_RATE_CHOICES = tuple((str(rate), f"{rate / 1000:g} kHz") for rate in SAMPLE_RATES)


def common_preferences() -> tuple[Preference, ...]:
    engines = all_engines()
    return (
        Preference(
            "engine",
            "Engine",
            "choice",
            default=engines[0].name,
            choices=tuple((engine.name, engine.label) for engine in engines),
        ),
        Preference("stems_mode", "Stems", "choice", default=STEMS_ALL, choices=tuple(STEMS_LABELS.items())),
        Preference(
            "output_format",
            "Output format",
            "choice",
            default=OUTPUT_FORMATS[0],
            choices=tuple((name, name.upper()) for name in OUTPUT_FORMATS),
        ),
        Preference(
            "sample_rate",
            "Sample rate",
            "choice",
            default=str(SAMPLE_RATES[0]),
            choices=SAMPLE_RATE_CHOICES,
            help="The stems' sample rate, whatever the engine or the original used.",
        ),
        Preference(
            "normalise",
            "Loudness-safe normalisation",
            "flag",
            default=False,
            help=f"All stems turned up or down together until their sum peaks at {CEILING_DBFS:g} dBFS: "
            "as loud as they can be without clipping when mixed back.",
        ),
    )


@dataclass(frozen=True)
class EnginePreference:
    """One engine's preference under its flat name."""

    key: str
    engine: Engine
    preference: Preference


def engine_preferences() -> list[EnginePreference]:
    return [
        EnginePreference(f"{engine.name}_{preference.name}", engine, preference)
        for engine in all_engines()
        for preference in engine.preferences
    ]


def value_problem(preference: Preference, value: object) -> str | None:
    """Why ``value`` is not one ``preference`` takes, or None."""
    allowed = [choice for choice, _ in preference.choices]
    if preference.kind == "choice" and value not in allowed:
        return f"Choose one of: {', '.join(allowed)}."
    if preference.kind == "flag" and not isinstance(value, bool):
        return "Must be true or false."
    if preference.kind == "choices":
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            return "Must be a list of names."
        unknown = [item for item in value if item not in allowed]
        if unknown:
            return f"Unknown: {', '.join(unknown)}; choose from: {', '.join(allowed)}."
    if preference.kind == "secret" and value is not None and not isinstance(value, str):
        return "Must be text."
    return None
