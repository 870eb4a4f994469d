"""Spleeter 2-stem separation: STFT, U-Net soft masks, inverse STFT, in segments.

The STFT frame grid is global (frame t is centred on sample t * HOP, the signal
zero-padded by N_FFT / 2 at both ends) and the nets see the frames in fixed
blocks of T_FRAMES on that grid, as Spleeter does. A segment is a run of whole
blocks: it reads the samples its frames need (with N_FFT / 2 of context on each
side), and its masked frames are overlap-added into the output, so the frames
that straddle a segment boundary add up exactly as in one pass over the whole
track. Segmenting changes memory use, not the result; memory stays at the output
arrays plus one segment's work.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional

from audio.engines.local.window import MixStats, TensorWindow, Window

from .unet import SpleeterUNet
from .weights import INSTRUMENTS, load_weights

logger = logging.getLogger(__name__)

SAMPLE_RATE = 44100
N_FFT = 4096
HOP = 1024
HALF = N_FFT // 2
N_BINS = N_FFT // 2 + 1
F_BINS = 1024  # the nets see the lowest F_BINS bins; the rest get mask 0
T_FRAMES = 512  # frames per net input block
EPSILON = 1e-10  # keeps the soft masks finite (0.5 each) on silence

Progress = Callable[[float], None]


def overlap_add(frames: torch.Tensor) -> torch.Tensor:
    """(channels, N_FFT, n) windowed frames at HOP spacing -> (channels, samples).

    N_FFT is a whole number of hops, so each frame is added as N_FFT / HOP
    hop-long pieces, each into the output hop it lands on.
    """
    channels, _, n_frames = frames.shape
    pieces_per_frame = N_FFT // HOP
    pieces = frames.reshape(channels, pieces_per_frame, HOP, n_frames).transpose(2, 3)
    hops = frames.new_zeros(channels, n_frames + pieces_per_frame - 1, HOP)
    for piece in range(pieces_per_frame):
        hops[:, piece : piece + n_frames] += pieces[:, piece]
    return hops.reshape(channels, -1)


class SpleeterSeparator:
    """Deezer's Spleeter 2stems model (vocals / accompaniment) on PyTorch."""

    name = "spleeter_2stems"
    samplerate = SAMPLE_RATE
    sources = INSTRUMENTS

    def __init__(
        self,
        nets: Mapping[str, nn.Module],
        *,
        version: str,
        device: str = "cpu",
        segment_blocks: int = 1,
    ) -> None:
        """``nets``: instrument -> net in eval mode on ``device`` (see ``load``).

        ``segment_blocks``: net input blocks per segment; it sets memory use, not results.
        """
        self.nets = nets
        self.version = version
        self.device = torch.device(device)
        self.segment_blocks = segment_blocks
        self.window = torch.hann_window(N_FFT, periodic=True, device=self.device)

    @classmethod
    def load(cls, *, weights_dir: Path | None = None, device: str = "cpu") -> SpleeterSeparator:
        """Build both nets from the weights (see ``weights.load_weights``).

        Raises EngineUnavailable when the weights cannot be found.
        """
        weights = load_weights(weights_dir)
        nets = {}
        for instrument in INSTRUMENTS:
            net = SpleeterUNet()
            net.load_state_dict(weights.state_dicts[instrument])
            nets[instrument] = net.to(device).eval()
        logger.info("Spleeter loaded: %s on %s", weights.origin, device)
        return cls(nets, version=weights.origin, device=device)

    def separate(self, mix: torch.Tensor, progress: Progress | None = None) -> dict[str, torch.Tensor]:
        """Split a float32 (2, n) mix in memory at 44.1 kHz into (2, n) vocals and accompaniment.

        ``progress`` gets non-decreasing fractions from 0.0 to 1.0.
        Raises ValueError when ``mix`` is not a finite (2, n) tensor.
        """
        if mix.ndim != 2 or mix.shape[0] != 2:
            raise ValueError(f"expected a (2, n) stereo tensor, got shape {tuple(mix.shape)}")
        if not torch.isfinite(mix).all():
            raise ValueError("the mix holds NaN or infinite samples")
        parts = list(self.stream(TensorWindow(mix.to(torch.float32)), None, progress or (lambda fraction: None)))
        return {name: torch.cat([part[name] for _, part in parts], dim=-1) for name in INSTRUMENTS}

    def stream(self, window: Window, stats: MixStats | None, progress: Progress) -> Iterator[tuple[int, dict]]:
        """Separate the track behind ``window`` (at 44.1 kHz), yielding ``(start, {stem: (2, n)
        samples})`` in order; ``stats`` are not needed. ``progress`` gets 0.0..1.0."""
        length = window.length
        n_frames = 1 + length // HOP
        frames_per_segment = T_FRAMES * self.segment_blocks
        n_segments = math.ceil(n_frames / frames_per_segment)
        span = frames_per_segment * HOP + N_FFT  # the samples one segment's frames reach
        outputs = {name: torch.zeros(2, span) for name in INSTRUMENTS}
        progress(0.0)
        done = 0  # outputs[...][:, 0] is sample `done`
        for index in range(n_segments):
            window.release(done)
            first = index * frames_per_segment
            last = min(first + frames_per_segment, n_frames)
            with torch.inference_mode():
                self._separate_frames(window, first, last, outputs, done)
            # Frames from `last` on start at last * HOP - HALF: samples before are final.
            ready = length if last == n_frames else min(length, last * HOP - HALF)
            self._normalize(outputs, done, ready, n_frames)
            yield done, {name: output[:, : ready - done].clone() for name, output in outputs.items()}
            for name, output in outputs.items():
                outputs[name] = torch.cat([output[:, ready - done :], torch.zeros(2, ready - done)], dim=1)
            done = ready
            progress((index + 1) / n_segments)

    def _separate_frames(
        self, window: Window, first: int, last: int, outputs: dict[str, torch.Tensor], base: int
    ) -> None:
        """Overlap-add the masked frames first..last-1 of each stem into ``outputs``
        (which start at sample ``base``)."""
        start = first * HOP - HALF
        audio = window.get(start, (last - 1) * HOP + HALF).to(self.device)
        spectrum = torch.stft(audio, N_FFT, HOP, window=self.window, center=False, return_complex=True)
        for name, mask in self.masks(spectrum).items():
            frames = torch.fft.irfft(spectrum * mask, n=N_FFT, dim=1) * self.window[:, None]
            signal = overlap_add(frames).cpu()
            lo, hi = max(start, 0), min(start + signal.shape[1], window.length)
            outputs[name][:, lo - base : hi - base] += signal[:, lo - start : hi - start]

    def masks(self, spectrum: torch.Tensor, block_frames: int = T_FRAMES) -> dict[str, torch.Tensor]:
        """Soft masks (2, N_BINS, frames): est_i^2 / sum_j est_j^2 below F_BINS, 0 above.

        The nets see the frames in blocks of ``block_frames`` (a multiple of 64), as a batch.
        """
        n_frames = spectrum.shape[-1]
        n_blocks = math.ceil(n_frames / block_frames)
        magnitude = spectrum[:, :F_BINS, :].abs().transpose(1, 2)  # (2, frames, F)
        magnitude = functional.pad(magnitude, (0, 0, 0, n_blocks * block_frames - n_frames))
        blocks = magnitude.reshape(2, n_blocks, block_frames, F_BINS).transpose(0, 1)
        energies = {name: net(blocks).square() for name, net in self.nets.items()}
        total = sum(energies.values()) + EPSILON
        masks = {}
        for name, energy in energies.items():
            mask = (energy + EPSILON / len(energies)) / total  # (blocks, 2, T, F)
            mask = mask.transpose(0, 1).reshape(2, n_blocks * block_frames, F_BINS)[:, :n_frames]
            masks[name] = functional.pad(mask.transpose(1, 2), (0, 0, 0, N_BINS - F_BINS))
        return masks

    def _normalize(self, outputs: dict[str, torch.Tensor], lo: int, hi: int, n_frames: int) -> None:
        """Divide samples lo..hi-1 (outputs start at lo) by the summed squared window of
        the frames covering them."""
        if hi <= lo:
            return
        first = max(0, (lo - HALF) // HOP)
        last = min(n_frames, (hi + HALF) // HOP + 1)
        squares = (self.window.cpu() ** 2)[None, :, None].expand(1, N_FFT, last - first)
        envelope = overlap_add(squares)[0]
        offset = lo - (first * HOP - HALF)
        for output in outputs.values():
            output[:, : hi - lo] /= envelope[offset : offset + hi - lo]
