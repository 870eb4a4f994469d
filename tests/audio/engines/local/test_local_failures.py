"""Every failure path of the local engine, each followed by a successful request
on the same engine (same supervisor). Random-weight models: machinery only."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from audio.engines.base import (
    EngineCancelled,
    EngineProtocolError,
    EngineRejectedInput,
    EngineTimeout,
    EngineUnavailable,
)
from audio.engines.local.catalog import MODEL_COST
from audio.engines.local.supervisor import STALL_PERCENTS, stall_timeout
from tests.audio.engines.local.conftest import FAST_MODEL, REPO_LAYOUT, faulty_runner, run
from tests.audio.engines.local.random_repo import build_repo


def assert_recovers(engine, music, tmp_path, model: str = "mdx_extra") -> None:
    result, steps = run(engine, music(seconds=1.0, name="after.wav"), tmp_path / "after", model=model)
    assert steps == list(range(0, 101, 10))
    assert all(path.is_file() for path in result.stems.values())


def later(seconds: float, action) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def engine(demucs_repo, fault_file):
    from audio.engines.local.engine import LocalEngine

    engine = LocalEngine(concurrency=1, timeout=30, model_dir=demucs_repo, **faulty_runner(fault_file))
    yield engine
    engine.close()


def test_unknown_model_is_refused_before_any_work(make_engine, music, tmp_path):
    engine = make_engine()
    with pytest.raises(EngineRejectedInput, match="Unknown local model 'demucs_unittest'"):
        run(engine, music(), tmp_path / "out", model="demucs_unittest")
    assert engine.supervisor.pid is None  # no runner was even started
    assert not (tmp_path / "out").exists()
    assert_recovers(engine, music, tmp_path)


def test_unreadable_input_is_rejected(engine, music, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF but not really a wave file" * 10)
    with pytest.raises(EngineRejectedInput, match=r"Cannot read broken\.wav"):
        run(engine, broken, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert_recovers(engine, music, tmp_path)


def test_missing_weights_fail_fast_then_work_once_provided(make_engine, music, tmp_path):
    empty_repo = tmp_path / "repo"
    empty_repo.mkdir()
    engine = make_engine(model_dir=empty_repo)
    # Start the runner first: the 5 s are for the failure, not for importing torch.
    run(engine, music(name="first.wav"), tmp_path / "first", model="spleeter_2stems")
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="model is not installed on this server") as failure:
        run(engine, music(), tmp_path / "out")
    assert time.monotonic() - started < 5
    assert "DEMUCS_MODEL_DIR" not in failure.value.message and str(empty_repo) not in failure.value.message
    build_repo(empty_repo, {"mdx_extra": REPO_LAYOUT["mdx_extra"]})
    assert_recovers(engine, music, tmp_path)


def test_missing_weights_without_model_dir_fail_fast_offline(make_engine, music, tmp_path):
    # An empty torch hub cache and no DEMUCS_MODEL_DIR: Demucs would try the
    # network; this machine is offline, and the job must fail within 5 s.
    engine = make_engine(model_dir=None, env={"TORCH_HOME": str(tmp_path / "torch")})
    run(engine, music(name="first.wav"), tmp_path / "first", model="spleeter_2stems")
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="htdemucs model is not installed"):
        run(engine, music(), tmp_path / "out", model="htdemucs")
    assert time.monotonic() - started < 5
    assert_recovers(engine, music, tmp_path, model="spleeter_2stems")


def test_garbage_on_stdout_is_a_protocol_error(engine, music, tmp_path, fault_file):
    fault_file.write_text("garbage")
    with pytest.raises(EngineProtocolError, match="invalid message"):
        run(engine, music(), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert_recovers(engine, music, tmp_path)


def test_stalled_runner_times_out_and_is_replaced(make_engine, music, tmp_path, fault_file):
    engine = make_engine(timeout=8)
    run(engine, music(seconds=1.0, name="warm.wav"), tmp_path / "warm")  # runner started
    pid = engine.supervisor.pid
    fault_file.write_text("hang")
    started = time.monotonic()
    # The input's length gives the job a deadline (36 s) well past the 8 s stall: only the
    # silence stops it (with no length both are 8 s, and which fires first is a race).
    with pytest.raises(EngineTimeout, match="no progress for 8 s"):
        run(engine, music(), tmp_path / "out", input_seconds=1.5)
    assert 8 <= time.monotonic() - started < 11
    assert engine.supervisor.pid is None  # killed
    assert list((tmp_path / "out").iterdir()) == []
    assert_recovers(engine, music, tmp_path)
    assert engine.supervisor.pid != pid


def test_cancel_stops_a_running_separation_cooperatively(engine, music, tmp_path):
    run(engine, music(seconds=1.0, name="warm.wav"), tmp_path / "warm")
    pid = engine.supervisor.pid
    cancel = threading.Event()
    cancelled_at = []
    later(2.0, lambda: (cancelled_at.append(time.monotonic()), cancel.set()))
    with pytest.raises(EngineCancelled):
        run(engine, music(seconds=60.0), tmp_path / "out", cancel=cancel)
    assert time.monotonic() - cancelled_at[0] < 2
    assert engine.supervisor.pid == pid  # the runner stopped the job itself and lives on
    assert list((tmp_path / "out").iterdir()) == []
    assert_recovers(engine, music, tmp_path)
    assert engine.supervisor.pid == pid


def test_cancel_kills_a_runner_that_does_not_listen(engine, music, tmp_path, fault_file):
    fault_file.write_text("hang")
    cancel = threading.Event()
    cancelled_at = []
    later(1.0, lambda: (cancelled_at.append(time.monotonic()), cancel.set()))
    with pytest.raises(EngineCancelled):
        run(engine, music(), tmp_path / "out", cancel=cancel)
    assert time.monotonic() - cancelled_at[0] < 2
    assert engine.supervisor.pid is None
    assert_recovers(engine, music, tmp_path)


def test_runner_killed_mid_job_fails_the_job_and_is_restarted(engine, music, tmp_path):
    run(engine, music(seconds=1.0, name="warm.wav"), tmp_path / "warm")
    pid = engine.supervisor.pid
    later(1.5, lambda: os.kill(pid, signal.SIGKILL))
    with pytest.raises(EngineUnavailable, match="separation process crashed"):
        run(engine, music(seconds=60.0), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert_recovers(engine, music, tmp_path)
    assert engine.supervisor.pid not in (None, pid)


def test_silence_is_a_stall_only_past_a_share_of_the_expected_time(make_engine, music, tmp_path, fault_file):
    """The no-progress timeout grows with the input: a long job's slow stretch is not a
    stall, while a runner that stops answering is still stopped."""
    engine = make_engine(timeout=2)
    long_input = 8 * 100 / STALL_PERCENTS / MODEL_COST[FAST_MODEL]  # stall allowance: 8 s
    # Runner started and model loaded (a long input's deadline leaves time for both).
    run(engine, music(seconds=1.0, name="warm.wav"), tmp_path / "warm", input_seconds=long_input)
    assert stall_timeout(2, long_input, FAST_MODEL) == pytest.approx(8)
    fault_file.write_text("pause 4")
    result, steps = run(engine, music(), tmp_path / "long", input_seconds=long_input)  # 4 s silent: fine
    assert steps[-1] == 100 and result.stems
    fault_file.write_text("pause 4")
    with pytest.raises(EngineTimeout, match="and was stopped"):  # its 2 s stall or 2 s deadline, whichever first
        run(engine, music(), tmp_path / "short")  # the same silence on a short input is not allowed
    fault_file.write_text("hang")
    started = time.monotonic()
    with pytest.raises(EngineTimeout, match="no progress for 8 s"):
        run(engine, music(), tmp_path / "stuck", input_seconds=long_input)
    assert 8 <= time.monotonic() - started < 11
