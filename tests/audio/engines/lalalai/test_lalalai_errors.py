import re
import threading
import uuid

import pytest

from audio.engines.base import (
    EngineAuthError,
    EngineError,
    EngineProtocolError,
    EngineQuotaExceeded,
    EngineRejectedInput,
    EngineTimeout,
    EngineUnavailable,
)
from audio.engines.lalalai import RetryPolicy, Timeouts
from audio.engines.lalalai.client import LalalaiClient


def _failure(engine, request) -> EngineError:
    """Run a separation that must fail; check it left nothing in work_dir."""
    with pytest.raises(EngineError) as caught:
        engine.separate(request, progress=lambda _p: None, cancel=threading.Event())
    assert list(request.work_dir.iterdir()) == []
    assert request.credentials not in caught.value.message
    return caught.value


def test_bad_key_is_a_clear_auth_error(make_engine, make_request, fake_lalalai):
    error = _failure(make_engine(), make_request(credentials="not-a-real-key"))
    assert isinstance(error, EngineAuthError)
    assert "rejected the licence key" in error.message and "Settings" in error.message
    assert len(fake_lalalai.calls("upload")) == 1  # refusals are not retried


def test_out_of_minutes(make_engine, make_request, fake_lalalai, license_key):
    fake_lalalai.add_key(license_key, minutes=0.01)
    error = _failure(make_engine(), make_request(stems="two"))
    assert isinstance(error, EngineQuotaExceeded)
    assert "minutes" in error.message
    assert len(fake_lalalai.calls("delete")) == 1  # the uploaded source is cleaned up


def test_file_too_long(make_engine, make_request, fake_lalalai):
    fake_lalalai.state.max_duration = 1
    error = _failure(make_engine(), make_request(stems="two"))
    assert isinstance(error, EngineRejectedInput)
    assert "longer than your lalal.ai plan" in error.message


def test_a_track_longer_than_the_plan_is_refused_before_its_upload(make_engine, make_request, fake_lalalai):
    fake_lalalai.state.max_duration = 60  # the plan: one minute per file
    engine = make_engine(max_seconds=60)
    error = _failure(engine, make_request(stems="two", input_seconds=3 * 3600 + 65))
    assert isinstance(error, EngineRejectedInput)
    assert error.message.startswith("This track is 3 h 01 min long; lalal.ai takes files of up to 1 min 00 s")
    assert "local engine" in error.message
    assert fake_lalalai.calls("upload") == []  # nothing sent, no minutes spent
    # A track within the limit goes through (the fake enforces the same limit).
    result = engine.separate(
        make_request(stems="two", input_seconds=2.0), progress=lambda _p: None, cancel=threading.Event()
    )
    assert set(result.stems) == {"vocals", "instrumental"}


def test_file_too_big(make_engine, make_request, fake_lalalai):
    fake_lalalai.state.max_size = 1000
    error = _failure(make_engine(), make_request(stems="two"))
    assert isinstance(error, EngineRejectedInput)
    assert "larger than your lalal.ai plan" in error.message


def test_inference_error_on_the_task(make_engine, make_request, fake_lalalai):
    fake_lalalai.give_inference_error()
    error = _failure(make_engine(), make_request(stems="two"))
    assert type(error) is EngineError
    assert error.message.startswith("lalal.ai could not separate this track:")
    assert len(fake_lalalai.calls("delete")) == 1


@pytest.mark.parametrize(
    ("endpoint", "status", "fragment"),
    [
        ("upload", 429, "limiting the rate"),
        ("split", 503, "server error (HTTP 503)"),
        ("check", 500, "server error (HTTP 500)"),
        ("minutes_left", 502, "server error (HTTP 502)"),
    ],
)
def test_retries_exhausted_end_in_a_clear_error(
    make_engine, make_request, fake_lalalai, license_key, endpoint, status, fragment
):
    fake_lalalai.fail(endpoint, "status", status=status, times=3)
    engine = make_engine()
    if endpoint == "minutes_left":
        with pytest.raises(EngineUnavailable, match=re.escape(fragment)):
            engine.account.minutes_left(license_key)
    else:
        error = _failure(engine, make_request(stems="two"))
        assert isinstance(error, EngineUnavailable) and fragment in error.message
    assert [c.status for c in fake_lalalai.calls(endpoint)][:3] == [status] * 3


@pytest.mark.parametrize(
    ("endpoint", "status"), [("upload", 429), ("split", 500), ("check", 429), ("check", 503), ("delete", 500)]
)
def test_retries_with_backoff_then_success(make_engine, make_request, fake_lalalai, endpoint, status):
    sleeps: list[float] = []
    fake_lalalai.fail(endpoint, "status", status=status, times=2)
    engine = make_engine(retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=1.0, sleep=sleeps.append))
    result = engine.separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    assert set(result.stems) == {"vocals", "instrumental"}
    assert [c.status for c in fake_lalalai.calls(endpoint)][:3] == [status, status, 200]
    assert sleeps == [0.01, 0.02]


def test_split_retry_reuses_the_idempotency_key(make_engine, make_request, fake_lalalai):
    fake_lalalai.fail("split", "status", status=502, times=1)
    make_engine().separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    first, second = fake_lalalai.calls("split")
    assert first.body["idempotency_key"] == second.body["idempotency_key"]


def test_hanging_server_ends_in_a_timeout(make_engine, make_request, fake_lalalai):
    fake_lalalai.fail("split", "hang", times=3)
    engine = make_engine(timeouts=Timeouts(connect=1.0, read=0.3))
    error = _failure(engine, make_request(stems="two"))
    assert isinstance(error, EngineTimeout)
    assert "did not answer the split request in time" in error.message


def test_one_hang_is_retried(make_engine, make_request, fake_lalalai):
    fake_lalalai.fail("check", "hang", times=1)
    engine = make_engine(timeouts=Timeouts(connect=1.0, read=0.3))
    result = engine.separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    assert set(result.stems) == {"vocals", "instrumental"}


def test_unreachable_server_is_a_clear_error(make_engine, make_request):
    engine = make_engine(base_url="http://127.0.0.1:9/api/v1/")
    error = _failure(engine, make_request(stems="two"))
    assert isinstance(error, EngineUnavailable)
    assert "Could not connect to lalal.ai" in error.message


@pytest.mark.parametrize(
    ("endpoint", "kind", "fragment"),
    [
        ("upload", "missing_fields", "upload that SoundForge cannot read (missing 'id')"),
        ("split", "malformed", "split that SoundForge cannot read (not JSON)"),
        ("check", "missing_fields", "check that SoundForge cannot read (missing 'result')"),
        ("check", "malformed", "check that SoundForge cannot read (not JSON)"),
    ],
)
def test_malformed_answers_are_protocol_errors(make_engine, make_request, fake_lalalai, endpoint, kind, fragment):
    fake_lalalai.fail(endpoint, kind)
    error = _failure(make_engine(), make_request(stems="two"))
    assert isinstance(error, EngineProtocolError)
    assert fragment in error.message


def test_download_cut_short_removes_every_partial_file(make_engine, make_request, fake_lalalai):
    # The first two stems arrive whole; the third is cut short on every try.
    fake_lalalai.fail("download", "cut_short", times=3, after=2)
    request = make_request(options={"stems": ["vocals", "drums", "bass"]})
    error = _failure(make_engine(), request)
    assert isinstance(error, EngineUnavailable)
    assert "The bass stem download from lalal.ai was cut short" in error.message
    assert [c.status for c in fake_lalalai.calls("download")] == [200] * 5


def test_one_cut_short_download_is_retried(make_engine, make_request, fake_lalalai):
    fake_lalalai.fail("download", "cut_short", times=1)
    result = make_engine().separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    assert all(path.stat().st_size > 0 for path in result.stems.values())
    assert len(fake_lalalai.calls("download")) == 3


def test_task_that_never_finishes_times_out_and_is_cancelled(make_engine, make_request, fake_lalalai):
    fake_lalalai.state.checks_to_finish = 10_000
    error = _failure(make_engine(task_timeout=0.3), make_request(stems="two"))
    assert isinstance(error, EngineTimeout)
    (cancel,) = fake_lalalai.calls("cancel")
    assert cancel.status == 200


def test_invalid_request_body_is_refused_with_lalalais_reason(fake_lalalai, license_key, song):
    client = LalalaiClient(license_key=license_key, base_url=fake_lalalai.base_url, retry=RetryPolicy(attempts=1))
    source_id = client.upload(song).source_id
    with pytest.raises(EngineRejectedInput, match="refused the split request: Input is not"):
        client.split("split/stem_separator/", source_id, {"stem": "drums"}, str(uuid.uuid4()))
    client.close()
    assert [c.status for c in fake_lalalai.calls("split")] == [422]
