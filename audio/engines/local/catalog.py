"""The fixed list of local models, their stems and their expected cost.

This module is pure data so that the engine can validate a request without
importing torch; the runner validates against the same list.
"""

from __future__ import annotations

from audio.engines.base import STEMS_ALL, STEMS_TWO, EngineRejectedInput

DEMUCS_4_STEMS = ("drums", "bass", "other", "vocals")

MODEL_STEMS: dict[str, tuple[str, ...]] = {
    "htdemucs": DEMUCS_4_STEMS,
    "htdemucs_ft": DEMUCS_4_STEMS,
    "htdemucs_6s": (*DEMUCS_4_STEMS, "guitar", "piano"),
    "mdx_extra": DEMUCS_4_STEMS,
    "spleeter_2stems": ("vocals", "accompaniment"),
}
SPLEETER_MODELS = frozenset({"spleeter_2stems"})

# Two-stem mode: vocals, and instrumental = mix - vocals (so the two stems always
# sum back to the input, whatever the model does with its other stems).
TWO_STEMS = ("vocals", "instrumental")

# Seconds of computation per second of audio with one torch thread on a modest
# CPU core (htdemucs measured ~1.0 s/s with 2 threads here), rounded up. Used only
# to stretch the timeout for long inputs (see supervisor.job_deadline).
MODEL_COST: dict[str, float] = {
    "htdemucs": 2.0,
    "htdemucs_ft": 8.0,
    "htdemucs_6s": 2.6,
    "mdx_extra": 8.0,
    "spleeter_2stems": 0.3,
}


def check_model(model: str) -> None:
    """Raise EngineRejectedInput unless ``model`` is one of the local models."""
    if model not in MODEL_STEMS:
        allowed = ", ".join(sorted(MODEL_STEMS))
        raise EngineRejectedInput(f"Unknown local model {model!r}; choose one of: {allowed}.")


def output_stems(model: str, stems_mode: str) -> tuple[str, ...]:
    """The stem names a request produces; raises EngineRejectedInput on bad values."""
    check_model(model)
    if stems_mode == STEMS_ALL:
        return MODEL_STEMS[model]
    if stems_mode == STEMS_TWO:
        return TWO_STEMS
    raise EngineRejectedInput(f"Unknown stems mode {stems_mode!r}; choose {STEMS_ALL!r} or {STEMS_TWO!r}.")
