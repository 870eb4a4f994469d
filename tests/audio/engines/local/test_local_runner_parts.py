"""Runner internals that the end-to-end tests cannot isolate."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from audio.engines.base import EngineUnavailable
from audio.engines.local.models import ModelCache
from audio.engines.local.process import PROJECT_ROOT
from tests.audio.engines.local.random_repo import build_repo

STRAY_OUTPUT = """
import os, sys
from audio.engines.local.runner import claim_stdout
out = claim_stdout()
print("a library print")
os.system("echo a child process")
sys.stdout.write("a direct write\\n")
out.write(b'{"type":"progress","id":"x","percent":1}\\n')
out.flush()
"""


def test_claimed_stdout_carries_only_protocol_lines():
    done = subprocess.run(
        [sys.executable, "-c", STRAY_OUTPUT], capture_output=True, cwd=PROJECT_ROOT, timeout=60, check=True
    )
    assert done.stdout == b'{"type":"progress","id":"x","percent":1}\n'
    for noise in (b"a library print", b"a child process", b"a direct write"):
        assert noise in done.stderr


def test_model_cache_keeps_the_two_most_recent(tmp_path):
    repo = build_repo(tmp_path / "repo", dict.fromkeys(("htdemucs", "htdemucs_ft", "mdx_extra"), "unittest"))
    cache = ModelCache(2, model_dir=repo, device="cpu")
    assert cache.get("htdemucs").warm is False
    assert cache.get("mdx_extra").warm is False
    assert cache.get("htdemucs").warm is True  # now most recent
    cache.get("htdemucs_ft")  # evicts mdx_extra, the least recent
    assert cache.names() == ["htdemucs", "htdemucs_ft"]
    assert cache.get("mdx_extra").warm is False


def test_bag_missing_a_model_file_names_it_in_the_log_and_tells_the_user_what_to_do(tmp_path, caplog):
    repo = build_repo(tmp_path / "repo", {"htdemucs": "unittest"})
    (repo / "htdemucs_ft.yaml").write_text("models: ['aaaa1111', 'bbbb2222']\n")
    with pytest.raises(EngineUnavailable, match="not installed on this server") as caught:
        ModelCache(2, model_dir=repo, device="cpu").get("htdemucs_ft")
    assert str(repo) not in caught.value.message and "DEMUCS_MODEL_DIR" not in caught.value.message
    assert re.search(r"aaaa1111-\*\.th, bbbb2222-\*\.th", caplog.text), caplog.text


def test_runner_module_imports_no_django():
    code = "import sys, audio.engines.local.runner; print(sorted(m for m in sys.modules if m.startswith('django')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=PROJECT_ROOT, timeout=60, check=True)
    assert done.stdout.strip() == b"[]"


def test_bag_progress_rises_across_members_and_segments_to_one():
    from types import SimpleNamespace

    from audio.engines.local.demucs_models import BagProgress

    rate = 100
    members = [SimpleNamespace(segment=4, samplerate=rate), SimpleNamespace(segment=4, samplerate=rate)]
    seen: list[float] = []
    tracker = BagProgress(SimpleNamespace(models=members), 10 * rate, seen.append)
    for model in range(2):
        for offset in range(0, 10 * rate, 3 * rate):  # stride 3 s
            tracker.on_layer()
            tracker.on_chunk(model, offset)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert 0.45 <= seen[len(seen) // 2 - 1] <= 0.55  # the first member is half the work
