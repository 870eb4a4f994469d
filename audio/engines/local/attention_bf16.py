"""The bfloat16 attention kernel (attention_bf16.c): built on first use, called through ctypes.

PyTorch's CPU attention in bfloat16 is slower than its float32 one on CPUs without
AMX, so the fast Demucs path brings its own: a flash-attention loop whose dot
products are AVX512-BF16 instructions (``vdpbf16ps``) and whose softmax is float32.
It is compiled with the machine's C compiler into a cache directory, once per source
version, and serves only CPUs that report ``avx512_bf16``; ``load`` says why not
otherwise, and the caller keeps PyTorch's float32 attention.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("attention_bf16.c")
FLAGS = ["-O3", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mfma", "-shared", "-fPIC", "-pthread"]
HEAD_SIZE = 64
CPU_FLAG = "avx512_bf16"


class KernelUnavailable(Exception):
    """The kernel cannot run here; the message says why."""


class Kernel:
    """The loaded library."""

    def __init__(self, path: Path):
        self.function = ctypes.CDLL(str(path)).attention_bf16
        self.function.restype = ctypes.c_int
        self.function.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_long] * 4 + [ctypes.c_int] * 4

    def attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
        """softmax(q k^T / 8) v per head, for (length, heads * 64) bfloat16 rows; float32 out."""
        tensors = (q, k, v)
        if (
            any(x.dtype != torch.bfloat16 or x.device.type != "cpu" or x.dim() != 2 for x in tensors)
            or q.shape[1] != heads * HEAD_SIZE
            or k.shape != v.shape
            or k.shape[1] != q.shape[1]
            or not len(k)
        ):
            raise ValueError(
                "attention_bf16 takes CPU bfloat16 (length, heads * 64) q, k and v, "
                "k and v of one length, at least one key"
            )
        q, k, v = (x if x.stride(-1) == 1 else x.contiguous() for x in tensors)  # rows may be strided
        out = torch.empty(q.shape, dtype=torch.float32)
        failed = self.function(
            q.data_ptr(),
            k.data_ptr(),
            v.data_ptr(),
            out.data_ptr(),
            q.stride(0),
            k.stride(0),
            v.stride(0),
            out.stride(0),
            heads,
            q.shape[0],
            k.shape[0],
            torch.get_num_threads(),
        )
        if failed:
            raise MemoryError("attention_bf16 could not allocate its packing buffers")
        return out


@functools.cache
def load() -> Kernel:
    """The kernel, built if needed. Raises KernelUnavailable."""
    if CPU_FLAG not in _cpu_flags():
        raise KernelUnavailable(f"this CPU does not report {CPU_FLAG}")
    return Kernel(_build())


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "soundforge"


def _cpu_flags() -> set[str]:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return set()
    return next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), set())


def _build() -> Path:
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source + " ".join(FLAGS).encode()).hexdigest()[:16]
    library = cache_dir() / f"attention_bf16-{digest}.so"
    if library.exists():
        return library
    compiler = shlex.split(os.environ.get("CC", "")) or [shutil.which("cc") or "gcc"]
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=library.parent) as tmp:
        built = Path(tmp) / library.name
        try:
            done = subprocess.run([*compiler, *FLAGS, "-o", str(built), str(SOURCE)], capture_output=True, text=True)
        except OSError as exc:
            raise KernelUnavailable(f"no C compiler to build it ({exc})") from exc
        if done.returncode != 0:
            raise KernelUnavailable(f"{compiler[0]} failed to build it: {done.stderr.strip()[-500:]}")
        os.replace(built, library)  # atomic: runners building at once each install a whole file
    return library
