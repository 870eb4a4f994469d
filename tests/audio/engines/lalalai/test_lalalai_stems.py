from pathlib import Path

import pytest

from audio.engines.base import EngineRejectedInput, SeparationRequest
from audio.engines.lalalai import stems


def _request(**fields) -> SeparationRequest:
    values = {"input_path": Path("in.wav"), "work_dir": Path("work"), "model": "auto"}
    values.update(fields)
    return SeparationRequest(**values)


@pytest.mark.parametrize(
    ("label", "stem"),
    [
        ("vocals", "vocals"),
        ("drum", "drums"),
        ("bass", "bass"),
        ("piano", "piano"),
        ("electric_guitar", "electric_guitar"),
        ("acoustic_guitar", "acoustic_guitar"),
        ("synthesizer", "synthesizer"),
        ("strings", "strings"),
        ("wind", "wind"),
        ("no_vocals", "instrumental"),
        ("no_drum", "no_drums"),
        ("no_piano", "no_piano"),
        ("no_multistem", "other"),
    ],
)
def test_labels_map_to_product_stems(label, stem):
    assert stems.stem_for_label(label) == stem


def test_unknown_label_is_refused():
    with pytest.raises(KeyError):
        stems.stem_for_label("vocals@1")


def test_one_stem_uses_stem_separator():
    plan = stems.plan_split(_request(model="perseus", options={"stems": ["drums"]}))
    assert plan.endpoint == "split/stem_separator/"
    assert plan.presets["stem"] == "drum"
    assert plan.presets["splitter"] == "perseus"
    assert plan.stems == ("drums", "no_drums")


def test_several_stems_use_multistem_with_rest_as_other():
    plan = stems.plan_split(_request(options={"stems": ["vocals", "drums", "bass"]}))
    assert plan.endpoint == "split/multistem/"
    assert plan.presets["stem_list"] == ["vocals", "drum", "bass"]
    assert plan.presets["splitter"] is None
    assert plan.splitter == "auto"
    assert plan.stems == ("vocals", "drums", "bass", "other")


def test_all_mode_without_stems_asks_for_every_multistem_stem():
    plan = stems.plan_split(_request())
    assert plan.presets["stem_list"] == list(stems.STEM_LABELS.values())[:6]
    assert plan.stems[-1] == "other"


def test_two_stem_mode_is_vocals_and_instrumental_whatever_the_options():
    plan = stems.plan_split(_request(stems="two", options={"stems": ["bass", "piano"]}))
    assert plan.endpoint == "split/stem_separator/"
    assert plan.presets["stem"] == "vocals"
    assert plan.stems == ("vocals", "instrumental")


def test_options_reach_the_presets():
    plan = stems.plan_split(
        _request(
            model="orion",
            output_format="flac",
            options={"stems": ["vocals"], "dereverb": True, "extraction_level": "clear_cut"},
        )
    )
    assert plan.presets == {
        "splitter": "orion",
        "dereverb_enabled": True,
        "encoder_format": "flac",
        "extraction_level": "clear_cut",
        "stem": "vocals",
    }


def test_phoenix_only_stem_alone_with_phoenix_is_accepted():
    plan = stems.plan_split(_request(model="phoenix", options={"stems": ["wind"]}))
    assert plan.presets["stem"] == "wind"
    assert plan.stems == ("wind", "no_wind")


@pytest.mark.parametrize("model", ["auto", "perseus", "andromeda"])
@pytest.mark.parametrize("stem", ["synthesizer", "strings", "wind"])
def test_phoenix_only_stems_need_phoenix(model, stem):
    with pytest.raises(EngineRejectedInput, match="phoenix"):
        stems.plan_split(_request(model=model, options={"stems": [stem]}))


def test_phoenix_only_stem_cannot_join_a_multistem_request():
    with pytest.raises(EngineRejectedInput, match="one stem at a time"):
        stems.plan_split(_request(model="phoenix", options={"stems": ["vocals", "strings"]}))


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"model": "htdemucs"}, "Unknown lalal.ai splitter"),
        ({"options": {"stems": ["drum"]}}, "Unknown stem"),
        ({"options": {"stems": "vocals"}}, "must be a list"),
        ({"options": {"stems": ["bass", "bass"]}}, "only once"),
        ({"output_format": "aiff"}, "Unknown output format"),
        ({"options": {"extraction_level": "deep"}}, "extraction level"),
        ({"options": {"dereverb": "yes"}}, "dereverb"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(fields, fragment):
    with pytest.raises(EngineRejectedInput, match=fragment):
        stems.plan_split(_request(**fields))


def test_models_list_every_splitter_and_auto():
    models = stems.models()
    assert set(models) == {"auto", "andromeda", "perseus", "orion", "phoenix", "lyra"}
    assert models["phoenix"] == ["vocals", "drums", "bass", "piano", "electric_guitar", "acoustic_guitar", "other"]
