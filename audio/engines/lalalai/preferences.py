"""What a user keeps for lalal.ai: their licence key, splitter and split options.

``job_choices`` turns them into a job's model (the splitter) and options.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from audio.engines.base import EngineRejectedInput, Preference
from audio.engines.lalalai import stems

KEY_MAX_LENGTH = 128
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)
_SPLITTER_LABELS = {stems.AUTO_SPLITTER: "Automatic (lalal.ai picks its newest)"}
_LEVEL_LABELS = {"deep_extraction": "Deep extraction", "clear_cut": "Clear cut"}

PREFERENCES = (
    Preference(
        "key",
        "lalal.ai licence key",
        "secret",
        help="Stored encrypted; never shown again in full. Without one, jobs use the installation's key, "
        "if it has one.",
    ),
    Preference(
        "splitter",
        "lalal.ai splitter",
        "choice",
        default=stems.AUTO_SPLITTER,
        choices=tuple((name, _SPLITTER_LABELS.get(name, name)) for name in (stems.AUTO_SPLITTER, *stems.SPLITTERS)),
    ),
    Preference(
        "extraction_level",
        "Extraction level",
        "choice",
        default=stems.EXTRACTION_LEVELS[0],
        choices=tuple((level, _LEVEL_LABELS[level]) for level in stems.EXTRACTION_LEVELS),
    ),
    Preference("dereverb", "Remove reverb from vocals", "flag", default=False),
    Preference(
        "stems",
        "lalal.ai stems",
        "choices",
        default=[],
        choices=tuple((name, name.replace("_", " ")) for name in stems.STEM_LABELS),
        help="None ticked: every stem lalal.ai splits in one go. Synthesizer, strings and wind need the "
        "phoenix splitter and are separated alone.",
    ),
)


def problems(values: Mapping[str, object]) -> dict[str, str]:
    """The key's form, and the splitter and stem rules of lalal.ai, checked as a job would be."""
    found = {}
    key = values.get("key")
    if key and (len(key) > KEY_MAX_LENGTH or not set(key) <= _KEY_CHARACTERS):
        found["key"] = (
            f"A lalal.ai licence key is 1 to {KEY_MAX_LENGTH} letters, digits or punctuation, "
            "without spaces: paste it from your lalal.ai account page."
        )
    try:
        stems.checked_choice(str(values["splitter"]), values["stems"])
    except EngineRejectedInput as exc:
        found["stems"] = exc.message
    return found


def job_choices(values: Mapping[str, object]) -> tuple[str, dict]:
    options = {
        "dereverb": values["dereverb"],
        "extraction_level": values["extraction_level"],
        "stems": list(values["stems"]),
    }
    return str(values["splitter"]), options
