"""The bfloat16 attention kernel: what it computes, where it serves, how it is built."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from audio.engines.local import attention_bf16, demucs_precision
from tests.audio.engines.local.random_repo import ARCHITECTURES

HAS_KERNEL_CPU = attention_bf16.CPU_FLAG in attention_bf16._cpu_flags()
needs_kernel_cpu = pytest.mark.skipif(not HAS_KERNEL_CPU, reason="this CPU has no avx512_bf16")


def snr_db(reference: torch.Tensor, estimate: torch.Tensor) -> float:
    return float(10 * torch.log10(reference.pow(2).sum() / (reference - estimate).pow(2).sum()))


def float32_attention(q, k, v, heads):
    split = [x.float().unflatten(-1, (heads, 64)).transpose(0, 1) for x in (q, k, v)]
    return F.scaled_dot_product_attention(*split).transpose(0, 1).flatten(1)


@needs_kernel_cpu
@pytest.mark.parametrize(
    "lq, lk, heads",
    [
        (2688, 1344, 8),  # HTDemucs' cross attention, frequency branch to time branch
        (97, 130, 2),  # lengths off the kernel's 6-row tiles and 64-key blocks
        (1, 1, 1),
    ],
)
def test_kernel_computes_attention_of_its_bfloat16_inputs(lq, lk, heads):
    torch.manual_seed(lq)
    q, k, v = (torch.randn(n, heads * 64).bfloat16() for n in (lq, lk, lk))
    q = q * 3  # peaked softmax rows as well as flat ones
    out = attention_bf16.load().attention(q, k, v, heads)
    assert out.dtype == torch.float32 and out.shape == (lq, heads * 64)
    assert snr_db(float32_attention(q, k, v, heads), out) > 50


@needs_kernel_cpu
def test_kernel_reads_strided_rows_and_refuses_other_dtypes():
    torch.manual_seed(0)
    packed = torch.randn(40, 3 * 128).bfloat16()  # q, k, v side by side in each row
    q, k, v = packed[:, :128], packed[:, 128:256], packed[:, 256:]
    kernel = attention_bf16.load()
    assert snr_db(float32_attention(q, k, v, 2), kernel.attention(q, k, v, 2)) > 50
    for bad in [(q.float(), k.float(), v.float()), (q, k, v[:30]), (q, k[:, :64], v[:, :64])]:
        with pytest.raises(ValueError, match="attention_bf16 takes CPU bfloat16"):
            kernel.attention(*bad, 2)


@needs_kernel_cpu
def test_htdemucs_attention_layers_use_the_kernel_under_autocast():
    klass, kwargs = ARCHITECTURES["htdemucs"]
    model = klass(**kwargs)
    demucs_precision.prepare(model, "htdemucs", "cpu")
    layers = [m for m in model.modules() if isinstance(m, torch.nn.MultiheadAttention)]
    assert layers and all(type(m) is demucs_precision.Bfloat16Attention for m in layers)
    torch.manual_seed(2)
    query, key = torch.randn(1, 300, 512), torch.randn(1, 200, 512)
    with torch.inference_mode():
        expected = torch.nn.MultiheadAttention.forward(layers[0], query, key, key, need_weights=False)[0]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = layers[0](query, key, key, need_weights=False)[0].float()
        plain = layers[0](query, key, key, need_weights=False)[0]  # float32 outside autocast
    assert 40 < snr_db(expected, fast) < 100
    assert snr_db(expected, plain) > 100


def test_without_the_kernel_attention_stays_float32_and_the_log_says_why(monkeypatch, caplog):
    def unavailable():
        raise attention_bf16.KernelUnavailable("this CPU does not report avx512_bf16")

    monkeypatch.setattr(attention_bf16, "load", unavailable)
    klass, kwargs = ARCHITECTURES["htdemucs"]
    model = klass(**kwargs)
    with caplog.at_level("INFO", logger=demucs_precision.__name__):
        demucs_precision.prepare(model, "htdemucs", "cpu")
    assert "float32 attention: this CPU does not report avx512_bf16" in caplog.text
    assert all(
        type(m) is demucs_precision.Float32Attention
        for m in model.modules()
        if isinstance(m, torch.nn.MultiheadAttention)
    )


def test_build_without_a_compiler_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with pytest.raises(attention_bf16.KernelUnavailable, match="no C compiler"):
        attention_bf16._build()
    assert not list(tmp_path.rglob("*.so"))


def test_build_caches_one_library_per_source_version(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = attention_bf16._build()
    stamp = first.stat().st_mtime_ns
    assert attention_bf16._build() == first and first.stat().st_mtime_ns == stamp
    assert first.parent == tmp_path / "soundforge" and first.name.startswith("attention_bf16-")
