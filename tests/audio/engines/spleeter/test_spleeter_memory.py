"""Memory of a long separation stays at the arrays plus one segment's work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Runs in a fresh process so its peak RSS is its own. Identity "nets" keep it
# fast: the STFT, masking and overlap-add machinery is what is measured. The
# input and both outputs are allocated before the baseline is taken.
SCRIPT = """
import resource, sys, torch
from audio.engines.local.spleeter.separator import SpleeterSeparator
nets = {name: torch.nn.Identity() for name in SpleeterSeparator.sources}
separator = SpleeterSeparator(nets, version="identity", segment_blocks=int(sys.argv[2]))
mix = torch.zeros(2, int(sys.argv[1]) * 44100).normal_(std=0.1)
scratch = [torch.ones_like(mix) for _ in range(2)]
del scratch
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
separator.separate(mix)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline) // 1024)
"""


def _growth_mb(repo_root: Path, seconds: int, segment_blocks: int) -> int:
    """Peak RSS growth (MB) of separating ``seconds`` of noise in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(seconds), str(segment_blocks)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(done.stdout.strip())


def test_three_minutes_need_no_more_than_one_segment_of_work(repo_root: Path) -> None:
    # Measured: about 175 MB over the arrays with one-block segments, 1340 MB
    # when the whole track is one segment (16 blocks).
    assert _growth_mb(repo_root, 180, segment_blocks=1) < 400
