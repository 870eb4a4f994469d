"""How the runner's C heap behaves: keep freed memory during a job, return it after.

PyTorch allocates each large tensor with ``malloc``; glibc serves blocks past its
mmap threshold (at most 32 MB by default) with a fresh ``mmap`` and unmaps them on
free, so a Demucs chunk touches hundreds of megabytes of new pages, page fault by
page fault, over and over. The runner's environment raises the mmap and trim
thresholds so freed blocks are reused within a job (``bench/bench_demucs_speed.py``
measures the difference), and after each job ``release_free_memory`` gives what
is free back to the system, so an idle warm runner does not sit on its peak.
"""

from __future__ import annotations

import ctypes
import functools

# glibc's malloc tunables (mallopt(3)); values the caller's environment sets win.
ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(4 << 30),
    "MALLOC_TRIM_THRESHOLD_": str(16 << 30),
    "MALLOC_TOP_PAD_": str(512 << 20),
}


def release_free_memory() -> None:
    """malloc_trim(0): return free heap pages to the system (glibc only; else nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim from the process's own symbols, or None under another libc."""
    return getattr(ctypes.CDLL(None), "malloc_trim", None)
