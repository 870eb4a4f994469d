"""Demucs' split-and-overlap separation, written into one output for the whole bag.

Computes what ``demucs.apply.apply_model(bag, mix, shifts=0, split=True,
overlap=overlap)`` computes on a normalised mix: the same chunk offsets, the same
centred padding of a short last chunk, the same triangular cross-fade. It differs
only in what it holds in memory and in who runs the network:

- ``mix`` is normalised chunk by chunk, so there is no normalised copy of the track;
- each chunk's output goes straight into the one output tensor, already divided by
  its cross-fade total and bag weight (apply_model keeps a second full-length output
  per bag member and sums them);
- ``forward(model, batch)`` runs the network, so the caller chooses its precision.

The track and the output stay where ``mix`` is; each chunk goes to the model's device.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from demucs.apply import BagOfModels
from demucs.utils import center_trim

Forward = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
ChunkDone = Callable[[int, int], None]


def segment_samples(model: torch.nn.Module) -> int:
    return int(model.samplerate * model.segment)


def chunk_offsets(length: int, segment: int, overlap: float) -> range:
    return range(0, length, int((1 - overlap) * segment))


def transition_weight(segment: int) -> torch.Tensor:
    """apply_model's cross-fade: a triangle peaking at 1 mid-segment."""
    weight = torch.cat([torch.arange(1, segment // 2 + 1), torch.arange(segment - segment // 2, 0, -1)])
    return weight / weight.max()


def separate_in_chunks(
    bag: BagOfModels,
    mix: torch.Tensor,
    norm: tuple[float, float],
    *,
    overlap: float,
    forward: Forward,
    chunk_done: ChunkDone,
) -> torch.Tensor:
    """(sources, channels, n) estimate for a (channels, n) mix, still normalised.

    ``norm`` is the (mean, std) the network sees the mix through; ``chunk_done``
    gets (bag member index, chunk offset) after each chunk.
    """
    channels, length = mix.shape
    out = torch.zeros(len(bag.sources), channels, length, dtype=mix.dtype, device=mix.device)
    bag_weights = torch.tensor(bag.weights, dtype=mix.dtype)
    bag_weights = bag_weights / bag_weights.sum(0)
    for index, model in enumerate(bag.models):
        segment = segment_samples(model)
        offsets = chunk_offsets(length, segment, overlap)
        weight = transition_weight(segment).to(mix.dtype)
        total = _total_weight(weight, offsets, length)
        source_weight = bag_weights[index].view(-1, 1, 1).to(mix.device)
        device = next(model.parameters()).device
        for offset in offsets:
            size = min(length - offset, segment)
            target = model.valid_length(size) if hasattr(model, "valid_length") else size
            chunk = _padded_chunk(mix, offset, size, target, norm).to(device)
            estimate = center_trim(forward(model, chunk[None])[0], size).to(mix.device, mix.dtype)
            fade = (weight[:size] / total[offset : offset + size]).to(mix.device)
            out[..., offset : offset + size].addcmul_(estimate, fade * source_weight)
            chunk_done(index, offset)
    return out


def _total_weight(weight: torch.Tensor, offsets: range, length: int) -> torch.Tensor:
    total = torch.zeros(length, dtype=weight.dtype)
    for offset in offsets:
        size = min(length - offset, weight.numel())
        total[offset : offset + size] += weight[:size]
    return total


def _padded_chunk(mix: torch.Tensor, offset: int, size: int, target: int, norm: tuple[float, float]) -> torch.Tensor:
    """``size`` samples from ``offset``, widened evenly to ``target`` with real
    neighbours where the track has them and zeros past its ends (TensorChunk.padded),
    normalised before the zeros are added, as apply_model sees a normalised track."""
    length = mix.shape[-1]
    start = offset - (target - size) // 2
    end = start + target
    inside = mix[..., max(0, start) : min(length, end)]
    mean, std = norm
    return F.pad((inside - mean) / std, (max(0, start) - start, end - min(length, end)))
