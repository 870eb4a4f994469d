"""Demucs' split-and-overlap separation, as a stream, for the whole bag at once.

Computes what ``demucs.apply.apply_model(bag, mix, shifts=0, split=True,
overlap=overlap)`` computes on a normalised mix: the same chunk offsets, the same
centred padding of a short last chunk, the same triangular cross-fade, the same
bag weights. It differs only in what it holds in memory and in who runs the network:

- the track is read through a Window and normalised chunk by chunk: only the few
  chunks in flight are in memory, never the track;
- the bag's members advance together along the track (the one furthest behind
  runs its next chunk), each chunk's output is added into a buffer already divided
  by its cross-fade total and bag weight, and every sample that no chunk can still
  reach is handed out and forgotten: memory does not grow with the track;
- ``forward(model, batch)`` runs the network, so the caller chooses its precision.

A sample's cross-fade total is summed over the chunks covering it in the order of
their offsets, as apply_model sums it over the whole track, so the result is the
same to the last bit whether the track is streamed or in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from demucs.apply import BagOfModels
from demucs.utils import center_trim

from audio.engines.local.window import TensorWindow, Window

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


class _Member:
    """One model of the bag and how far along the track it is."""

    def __init__(self, index: int, model: torch.nn.Module, length: int, overlap: float, weight: torch.Tensor):
        self.index, self.model, self.length = index, model, length
        self.segment = segment_samples(model)
        self.offsets = chunk_offsets(length, self.segment, overlap)
        self.fade = transition_weight(self.segment)
        self.source_weight = weight.view(-1, 1, 1)
        self.next = 0

    @property
    def frontier(self) -> int:
        """Samples before this are final for this member: its next chunk starts here."""
        return self.offsets[self.next] if self.next < len(self.offsets) else self.length

    def size(self, offset: int) -> int:
        return min(self.length - offset, self.segment)

    def total_weight(self, offset: int, size: int) -> torch.Tensor:
        """apply_model's summed cross-fade over offset..offset+size, summed in offset order."""
        total = torch.zeros(size, dtype=self.fade.dtype)
        step = self.offsets.step
        first = max(0, -(-(offset - self.segment + 1) // step))
        for other in self.offsets[first:]:
            if other >= offset + size:
                break
            lo, hi = max(other, offset), min(other + self.size(other), offset + size)
            total[lo - offset : hi - offset] += self.fade[lo - other : hi - other]
        return total


def stream_chunks(
    bag: BagOfModels,
    window: Window,
    norm: tuple[float, float],
    *,
    overlap: float,
    forward: Forward,
    chunk_done: ChunkDone,
) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield ``(start, estimate)`` in order: the (sources, channels, n) estimate of the
    window's samples start..start+n, still normalised, until the window's length.

    ``norm`` is the (mean, std) the network sees the track through; ``chunk_done``
    gets (bag member index, chunk offset) after each chunk.
    """
    length = window.length
    weights = torch.tensor(bag.weights, dtype=torch.float32)
    weights = weights / weights.sum(0)
    members = [_Member(i, model, length, overlap, weights[i]) for i, model in enumerate(bag.models)]
    longest = max(member.segment for member in members)
    out = torch.zeros(len(bag.sources), 2, 2 * longest + 1)
    base = 0
    while base < length:
        member = min(members, key=lambda m: (m.frontier, m.index))
        window.release(min(base, member.frontier - longest))
        offset = member.offsets[member.next]
        estimate = _run_chunk(member, window, offset, norm, forward)
        size = estimate.shape[-1]
        fade = member.fade[:size] / member.total_weight(offset, size)
        out[..., offset - base : offset - base + size].addcmul_(estimate, fade * member.source_weight)
        member.next += 1
        chunk_done(member.index, offset)
        final = min(m.frontier for m in members)
        if final > base:
            done = final - base
            yield base, out[..., :done].clone()
            out = torch.cat([out[..., done:], torch.zeros(*out.shape[:-1], done)], dim=-1)
            base = final


def _run_chunk(
    member: _Member, window: Window, offset: int, norm: tuple[float, float], forward: Forward
) -> torch.Tensor:
    """The network's estimate for ``size`` samples from ``offset``: the chunk is widened
    evenly to the model's valid length with real neighbours where the track has them and
    zeros past its ends (TensorChunk.padded), normalised before the zeros are put in, as
    apply_model sees a normalised track."""
    size = member.size(offset)
    model = member.model
    target = model.valid_length(size) if hasattr(model, "valid_length") else size
    start = offset - (target - size) // 2
    mean, std = norm
    chunk = (window.get(start, start + target) - mean) / std
    chunk[..., : max(0, -start)] = 0
    chunk[..., max(0, window.length - start) :] = 0
    device = next(model.parameters()).device
    return center_trim(forward(model, chunk[None].to(device))[0], size).to("cpu", torch.float32)


def separate_in_chunks(
    bag: BagOfModels,
    mix: torch.Tensor,
    norm: tuple[float, float],
    *,
    overlap: float,
    forward: Forward,
    chunk_done: ChunkDone,
) -> torch.Tensor:
    """stream_chunks over a (channels, n) mix in memory: the whole (sources, channels, n) estimate."""
    out = torch.empty(len(bag.sources), *mix.shape)
    for start, block in stream_chunks(
        bag, TensorWindow(mix), norm, overlap=overlap, forward=forward, chunk_done=chunk_done
    ):
        out[..., start : start + block.shape[-1]] = block
    return out
