import threading

import pytest
import soundfile

from audio.engines.base import EngineAuthError, EngineRejectedInput
from audio.engines.lalalai.keys import NO_KEY_MESSAGE


def _run(engine, request):
    seen: list[int] = []
    result = engine.separate(request, progress=seen.append, cancel=threading.Event())
    return result, seen


def test_one_stem_gives_the_stem_and_the_rest(make_engine, make_request, fake_lalalai):
    result, seen = _run(make_engine(), make_request(model="perseus", options={"stems": ["drums"]}))
    work_dir = make_request().work_dir
    assert set(result.stems) == {"drums", "no_drums"}
    assert result.stems["drums"] == work_dir / "drums.wav"
    assert sorted(p.name for p in work_dir.iterdir()) == ["drums.wav", "no_drums.wav"]
    split = fake_lalalai.calls("split")
    assert [c.path for c in split] == ["/api/v1/split/stem_separator/"]
    assert split[0].body["presets"]["stem"] == "drum"
    assert split[0].body["presets"]["splitter"] == "perseus"
    assert result.meta["model"] == "perseus"
    assert seen == sorted(set(seen)) and seen[0] == 0 and seen[-1] == 100


def test_several_stems_use_multistem(make_engine, make_request, fake_lalalai):
    request = make_request(
        options={"stems": ["vocals", "drums", "bass"], "dereverb": True, "extraction_level": "clear_cut"}
    )
    result, _ = _run(make_engine(), request)
    assert set(result.stems) == {"vocals", "drums", "bass", "other"}
    for path in result.stems.values():
        assert soundfile.info(str(path)).frames > 0
    (split,) = fake_lalalai.calls("split")
    assert split.path == "/api/v1/split/multistem/"
    assert split.body["presets"]["stem_list"] == ["vocals", "drum", "bass"]
    assert split.body["presets"]["dereverb_enabled"] is True
    assert split.body["presets"]["extraction_level"] == "clear_cut"
    assert split.body["presets"]["splitter"] is None


def test_two_stem_mode_gives_vocals_and_instrumental(make_engine, make_request, fake_lalalai):
    result, _ = _run(make_engine(), make_request(stems="two"))
    assert set(result.stems) == {"vocals", "instrumental"}
    assert fake_lalalai.calls("split")[0].body["presets"]["stem"] == "vocals"


@pytest.mark.parametrize(("fmt", "container"), [("wav", "WAV"), ("flac", "FLAC"), ("mp3", "MP3")])
def test_each_output_format_is_asked_for_and_delivered(make_engine, make_request, fake_lalalai, fmt, container):
    result, _ = _run(make_engine(), make_request(stems="two", output_format=fmt))
    assert fake_lalalai.calls("split")[0].body["presets"]["encoder_format"] == fmt
    for stem, path in result.stems.items():
        assert path.name == f"{stem}.{fmt}"
        assert soundfile.info(str(path)).format == container


def test_source_is_deleted_at_lalalai_after_success(make_engine, make_request, fake_lalalai):
    _run(make_engine(), make_request(stems="two"))
    (delete,) = fake_lalalai.calls("delete")
    (upload,) = fake_lalalai.calls("upload")
    assert delete.status == 200 and delete.body["source_id"]
    assert upload.status == 200


def test_phoenix_only_stems_are_refused_before_any_upload(make_engine, make_request, fake_lalalai):
    with pytest.raises(EngineRejectedInput, match="phoenix"):
        _run(make_engine(), make_request(model="perseus", options={"stems": ["strings"]}))
    assert fake_lalalai.requests == []


def test_phoenix_only_stem_with_phoenix_works(make_engine, make_request):
    result, _ = _run(make_engine(), make_request(model="phoenix", options={"stems": ["synthesizer"]}))
    assert set(result.stems) == {"synthesizer", "no_synthesizer"}


def test_no_key_anywhere_fails_at_once_saying_how_to_add_one(make_engine, make_request, fake_lalalai):
    with pytest.raises(EngineAuthError) as caught:
        _run(make_engine(), make_request(credentials=None))
    assert caught.value.message == NO_KEY_MESSAGE
    assert "Settings" in NO_KEY_MESSAGE and "SYSTEM_LALALAI_ACTIVATION_KEY" not in NO_KEY_MESSAGE
    assert fake_lalalai.requests == []


def test_system_key_is_used_without_a_user_key(make_engine, make_request, fake_lalalai, license_key):
    result, _ = _run(make_engine(system_key=license_key), make_request(credentials=None, stems="two"))
    assert set(result.stems) == {"vocals", "instrumental"}
    assert {r.key for r in fake_lalalai.requests if r.endpoint != "download"} == {license_key}


def test_downloads_never_carry_the_key(make_engine, make_request, fake_lalalai):
    _run(make_engine(), make_request(stems="two"))
    downloads = fake_lalalai.calls("download")
    assert len(downloads) == 2
    assert all(r.key is None for r in downloads)


def test_minutes_left_reports_the_fake_account(make_engine, make_request, fake_lalalai, license_key):
    engine = make_engine()
    assert engine.account.minutes_left(license_key) == pytest.approx(600.0)
    _run(engine, make_request(options={"stems": ["vocals", "bass"]}))
    # 2 s of audio, two stems: lalal.ai charges each stem for the whole duration.
    assert engine.account.minutes_left(license_key) == pytest.approx(600.0 - 2 * 2 / 60)


def test_minutes_left_without_a_key_fails_clearly(make_engine):
    with pytest.raises(EngineAuthError, match="Settings"):
        make_engine().account.minutes_left(None)
