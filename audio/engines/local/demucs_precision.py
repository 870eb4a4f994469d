"""How the runner calls a Demucs network: its fast CPU path, or the reference one.

The fast path (``htdemucs`` and the hybrid ``HDemucs`` of ``mdx_extra``, on CPU):
convolutions and linear layers in bfloat16 through autocast; attention through
attention_bf16's kernel (bfloat16 dot products, float32 softmax) where the CPU has
AVX512-BF16, else PyTorch's float32 attention (its own bfloat16 CPU attention is
slower than that); normalisation, STFT and masks in float32. The output stays within
the equivalence bound (40 dB SNR per stem against ``apply_model``;
``bench/bench_demucs_speed.py`` measures it, the tests check it per architecture).
PyTorch's fused inference path for ``nn.MultiheadAttention`` is turned off while the
network runs: it materialises the full attention matrix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from demucs.hdemucs import HDemucs
from demucs.htdemucs import HTDemucs

from audio.engines.local import attention_bf16

logger = logging.getLogger(__name__)

FAST_ARCHITECTURES = (HTDemucs, HDemucs)
FAST_DTYPE = torch.bfloat16


class Float32Attention(torch.nn.MultiheadAttention):
    """nn.MultiheadAttention whose attention product runs in float32 under autocast;
    its projections stay in autocast's precision. Calls with weights or masks asked
    for (Demucs makes none) run nn.MultiheadAttention itself, all in float32."""

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        if need_weights or key_padding_mask is not None or attn_mask is not None or is_causal:
            with torch.autocast(query.device.type, enabled=False):
                return super().forward(
                    query.float(),
                    key.float(),
                    value.float(),
                    key_padding_mask,
                    need_weights,
                    attn_mask,
                    average_attn_weights,
                    is_causal,
                )
        embed = self.embed_dim
        weight, bias = self.in_proj_weight, self.in_proj_bias
        q, k, v = (
            F.linear(x, weight[i * embed : (i + 1) * embed], bias[i * embed : (i + 1) * embed])
            for i, x in enumerate((query, key, value))
        )
        with torch.autocast(query.device.type, enabled=False):
            mixed = self.attend(q, k, v)
        return self.out_proj(mixed), None

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """(batch, length, heads * head size) projections in, the heads' mixture out."""
        q, k, v = (x.float().unflatten(-1, (self.num_heads, self.head_dim)).transpose(1, 2) for x in (q, k, v))
        return F.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2)


class Bfloat16Attention(Float32Attention):
    """Float32Attention whose attention product is attention_bf16's kernel: bfloat16
    dot products, float32 softmax. Float32 projections (outside autocast) and heads of
    another size than the kernel's take Float32Attention's way."""

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        if q.dtype != torch.bfloat16 or self.head_dim != attention_bf16.HEAD_SIZE:
            return super().attend(q, k, v)
        kernel = attention_bf16.load()
        return torch.stack([kernel.attention(q[b], k[b], v[b], self.num_heads) for b in range(q.shape[0])])


def serves(model: torch.nn.Module, device: str) -> bool:
    return device == "cpu" and isinstance(model, FAST_ARCHITECTURES)


def prepare(model: torch.nn.Module, name: str, device: str) -> None:
    """Make ``model`` ready for ``forward``; logs which path it will take."""
    model.eval()
    if not serves(model, device):
        logger.info("%s (%s on %s): no fast path, running at reference precision", name, type(model).__name__, device)
        return
    attention, kernel_missing = _attention_class()
    for module in model.modules():
        if _plain_attention(module):
            module.__class__ = attention
    logger.info(
        "%s (%s): fast CPU path (bfloat16 convolutions, linear layers%s)",
        name,
        type(model).__name__,
        f"; float32 attention: {kernel_missing}" if kernel_missing else ", attention",
    )


def forward(model: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """The network's float32 output for ``batch``, by the path ``prepare`` chose."""
    device = batch.device.type
    with torch.inference_mode(), _mha_fastpath(False):
        if not serves(model, device):
            return model(batch)
        with torch.autocast(device, dtype=FAST_DTYPE):
            return model(batch).float()


def _attention_class() -> tuple[type[Float32Attention], str | None]:
    """Bfloat16Attention where its kernel runs, else Float32Attention and why."""
    try:
        attention_bf16.load()
    except attention_bf16.KernelUnavailable as exc:
        return Float32Attention, str(exc)
    return Bfloat16Attention, None


def _plain_attention(module: torch.nn.Module) -> bool:
    """A batch-first nn.MultiheadAttention of the plain kind Float32Attention computes."""
    return (
        type(module) is torch.nn.MultiheadAttention
        and module.batch_first
        and module._qkv_same_embed_dim
        and module.in_proj_bias is not None
        and module.bias_k is None
        and not module.add_zero_attn
    )


@contextmanager
def _mha_fastpath(enabled: bool) -> Iterator[None]:
    previous = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(enabled)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(previous)
