"""A runner ends when its parent does, whoever the parent is and however it is stopped,
even in a stretch of work that sends nothing (a long decode, a write) to notice a
closed pipe by."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from audio.engines.local.runner import EXIT_GRACE_SECONDS
from tests.audio.engines.local.faulty_runner import FAULT_FILE_ENV
from tests.jobs.conftest import wait_for
from tests.launched_app import BASE_DIR, descendants
from tests.soundforge.test_launcher import alive

PARENT = """
import sys, threading
from pathlib import Path
from audio.engines.base import SeparationRequest
from audio.engines.local.engine import LocalEngine
engine = LocalEngine(concurrency=1, runner_module="tests.audio.engines.local.faulty_runner", timeout=3600)
out = Path(sys.argv[2]); out.mkdir()
request = SeparationRequest(input_path=Path(sys.argv[1]), work_dir=out, model="spleeter_2stems")
engine.separate(request, progress=lambda p: print("progress", p, flush=True), cancel=threading.Event())
"""


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize(
    ("fault", "within"), [("quiet", 2.0), ("hang", EXIT_GRACE_SECONDS + 3)], ids=["cancel-point", "no-cancel-point"]
)
def test_the_runner_ends_with_its_parent(tmp_path, music, stop, fault, within):
    fault_file = tmp_path / "fault"
    fault_file.write_text(fault)
    log = (tmp_path / "parent.log").open("w")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(music(seconds=2.0)), str(tmp_path / "out")],
        cwd=BASE_DIR,
        env={**os.environ, FAULT_FILE_ENV: str(fault_file), "PYTHONPATH": str(BASE_DIR)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    runners: set[int] = set()
    try:
        wait_for(lambda: not fault_file.exists(), 120, message="the runner to take the job")
        runners = descendants(parent.pid)
        assert runners
        parent.send_signal(stop)
        parent.wait(30)
        stopped = time.monotonic()
        wait_for(lambda: not any(alive(pid) for pid in runners), within + 5, message="the runner to end")
        assert time.monotonic() - stopped <= within
    finally:
        for pid in runners | descendants(parent.pid) | {parent.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
