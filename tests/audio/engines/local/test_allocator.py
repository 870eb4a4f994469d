"""The runner's allocator settings: freed memory kept during a job, returned after it."""

from __future__ import annotations

import subprocess
import sys

from audio.engines.local import allocator
from audio.engines.local.process import PROJECT_ROOT, RunnerConfig


def test_runner_environment_keeps_freed_memory_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "12345")
    env = RunnerConfig(env={"MALLOC_MMAP_THRESHOLD_": "999"}).environment()
    assert env["MALLOC_MMAP_THRESHOLD_"] == "999"  # the engine's own env wins
    assert env["MALLOC_TRIM_THRESHOLD_"] == "12345"  # so does the caller's environment
    assert env["MALLOC_TOP_PAD_"] == allocator.ENVIRONMENT["MALLOC_TOP_PAD_"]


RELEASE_PROGRAM = """
import torch
from audio.engines.local.allocator import release_free_memory

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

before = rss_mb()
blocks = [torch.ones(16 << 20) for _ in range(8)]  # 8 x 64 MB
del blocks
held = rss_mb()
release_free_memory()
print(round(before), round(held), round(rss_mb()))
"""


def test_freed_memory_stays_during_a_job_and_goes_back_after_it():
    env = RunnerConfig().environment()
    done = subprocess.run(
        [sys.executable, "-c", RELEASE_PROGRAM], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    before, held, after = map(int, done.stdout.split())
    assert held - before > 400, done.stdout  # freed blocks kept for the next chunk
    assert after - before < 100, done.stdout  # and returned once the job is over
