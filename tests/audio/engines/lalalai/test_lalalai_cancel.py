import logging
import threading

import pytest

from audio.engines.base import EngineCancelled, EngineError
from audio.engines.lalalai.client import LalalaiClient


def _cancel_when_running(cancel: threading.Event):
    """A progress callback that sets ``cancel`` once lalal.ai reports progress."""

    def progress(percent: int) -> None:
        if percent > 5:
            cancel.set()

    return progress


def test_cancel_cancels_the_task_at_lalalai(make_engine, make_request, fake_lalalai):
    fake_lalalai.state.checks_to_finish = 50
    cancel = threading.Event()
    request = make_request(stems="two")
    with pytest.raises(EngineCancelled, match="cancelled"):
        make_engine().separate(request, progress=_cancel_when_running(cancel), cancel=cancel)
    (task_call,) = fake_lalalai.calls("split")
    (cancel_call,) = fake_lalalai.calls("cancel")
    task_id = fake_lalalai.state.tasks.popitem()[0]
    assert cancel_call.body == {"task_ids": [task_id]}
    assert cancel_call.status == 200
    assert len(fake_lalalai.calls("delete")) == 1
    assert list(request.work_dir.iterdir()) == []
    assert task_call.status == 200


def test_cancel_before_start_does_nothing_at_lalalai(make_engine, make_request, fake_lalalai):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(EngineCancelled):
        make_engine().separate(make_request(stems="two"), progress=lambda _p: None, cancel=cancel)
    assert fake_lalalai.requests == []


def test_cancel_all_stops_running_jobs(make_engine, make_request, fake_lalalai, license_key):
    fake_lalalai.state.checks_to_finish = 50
    engine = make_engine()
    running = threading.Event()
    outcome: list[BaseException] = []

    def job() -> None:
        try:
            engine.separate(
                make_request(stems="two"), progress=lambda p: p > 5 and running.set(), cancel=threading.Event()
            )
        except EngineError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=job)
    worker.start()
    assert running.wait(10)
    cancelled = engine.account.cancel_all(license_key)
    worker.join(10)
    assert list(cancelled.values()) == [True]
    assert len(outcome) == 1 and isinstance(outcome[0], EngineCancelled)
    assert "cancelled at lalal.ai" in outcome[0].message


def test_the_key_never_reaches_logs_reprs_or_errors(make_engine, make_request, fake_lalalai, license_key, caplog):
    caplog.set_level(logging.DEBUG)
    engine = make_engine()
    fake_lalalai.fail("check", "status", status=503, times=1)
    engine.separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    fake_lalalai.fail("split", "status", status=500, times=3)
    with pytest.raises(EngineError) as caught:
        engine.separate(make_request(stems="two"), progress=lambda _p: None, cancel=threading.Event())
    engine.account.minutes_left(license_key)
    assert caplog.records, "the engine should log what it does"
    for record in caplog.records:
        assert license_key not in record.getMessage()
    texts = [
        str(caught.value),
        repr(caught.value),
        repr(make_request()),
        repr(engine),
        repr(LalalaiClient(license_key=license_key, base_url=fake_lalalai.base_url)),
    ]
    assert all(license_key not in text for text in texts)
