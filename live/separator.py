"""Spleeter 2-stem separation of a stream, a few STFT frames at a time.

The STFT grid is the offline separator's (frame t centred on sample t * HOP, the
signal zero before its first sample), so a stream and a file of the same audio
share their frames. Every ``step`` frames, once ``lookahead`` more frames have
arrived, the nets see a window of the ``window`` newest complete frames (past
context on the left, the lookahead on the right) and the masks of the ``step``
frames just left of the lookahead are kept. Masked frames are overlap-added into
the output exactly as offline; a sample is final once no later frame covers it.

Latency: a frame is complete ``HALF`` samples after its centre; output up to
sample ``f * HOP - HALF`` is final once frame ``f + lookahead`` is, and frames
are taken ``step`` at a time, so output frame k is final once input frame
``k + latency`` has arrived, ``latency = (step + lookahead) * HOP + N_FFT - 1``.

Silence in gives silence out: the masks only scale the input's own spectrum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from audio.engines.local.spleeter.separator import HALF, HOP, N_FFT, SAMPLE_RATE, SpleeterSeparator, overlap_add
from audio.engines.local.spleeter.weights import INSTRUMENTS

STEMS = INSTRUMENTS  # ("vocals", "accompaniment"): the order of the wire protocol's stem index
CHANNELS = 2
# Samples past the final ones given as a provisional estimate (the frames that will
# still add to them are missing): what a crossfade to the dry signal starts from.
TAIL = 512


@dataclass(frozen=True)
class Setting:
    """How much context the nets see: ``window`` frames (a multiple of 64), ``lookahead`` of them
    after the frames kept, ``step`` frames kept per pass."""

    window: int
    lookahead: int
    step: int

    @property
    def latency_samples(self) -> int:
        return (self.step + self.lookahead) * HOP + N_FFT - 1

    @property
    def latency_ms(self) -> float:
        return 1000 * self.latency_samples / SAMPLE_RATE


# From the lowest latency to the highest; a client asking for N ms gets the highest
# setting at or under N (the lowest when N is under all). bench/bench_live.py measures each.
# The nets' smallest block (64 frames, 1.5 s) holds enough context: more costs time for
# a tenth of a dB. Every setting runs the nets once per ``step`` frames on 64 frames.
SETTINGS = (
    Setting(window=64, lookahead=0, step=3),  # 163 ms
    Setting(window=64, lookahead=1, step=5),  # 232 ms: the low-latency setting
    Setting(window=64, lookahead=1, step=9),  # 325 ms
    Setting(window=64, lookahead=2, step=14),  # 464 ms: the default
    Setting(window=64, lookahead=4, step=20),  # 650 ms
)
DEFAULT_LATENCY_MS = 500


def setting_for(latency_ms: float | None) -> Setting:
    """The setting with the most context within ``latency_ms`` (None: DEFAULT_LATENCY_MS)."""
    wanted = DEFAULT_LATENCY_MS if latency_ms is None else latency_ms
    fitting = [s for s in SETTINGS if s.latency_ms <= wanted]
    return fitting[-1] if fitting else SETTINGS[0]


def load_model() -> SpleeterSeparator:
    """The real Spleeter 2-stem weights, found as the batch engine finds them."""
    return SpleeterSeparator.load()


def _window_envelope(window: torch.Tensor, n_frames: int) -> np.ndarray:
    """Summed squared window of frames 0..n_frames-1 over samples -HALF.. (float64)."""
    squares = (window.cpu() ** 2)[None, :, None].expand(1, N_FFT, n_frames)
    return overlap_add(squares)[0].double().numpy()


@dataclass
class Output:
    """Separated samples ``start`` .. ``start + n`` of each stem (float32, (2, n)), and a
    provisional ``tail`` of TAIL samples after them (None after the stream's end)."""

    start: int
    stems: dict[str, np.ndarray]
    tails: dict[str, np.ndarray] | None


class StreamSeparator:
    """One stream's separation state around a shared, loaded SpleeterSeparator."""

    def __init__(self, model: SpleeterSeparator, setting: Setting) -> None:
        self.model = model
        self.setting = setting
        self.received = 0  # input samples so far
        self.next_frame = 0  # frames before it are overlap-added into ``acc``
        self.final = 0  # output samples before it have been returned
        # Input from sample ``input_start`` on: what the next windows still read.
        self.input_start = 0
        self.input = np.zeros((CHANNELS, 0), dtype=np.float32)
        # Overlap-add accumulators from sample ``final`` on.
        self.acc = {stem: np.zeros((CHANNELS, 0), dtype=np.float64) for stem in STEMS}
        window = model.window
        head = _window_envelope(window, N_FFT // HOP + 4)
        self.envelope_head = head[HALF : HALF + N_FFT]  # from sample 0, where frames before 0 are missing
        self.envelope_steady = float(head[HALF + N_FFT])
        # Coverage of the TAIL samples after a final boundary by the frames before it.
        partial = _window_envelope(window, N_FFT // HOP)
        self.tail_envelope = partial[N_FFT : N_FFT + TAIL]

    def feed(self, samples: np.ndarray) -> Output:
        """Add float32 (2, n) input; return the output samples that became final."""
        self.input = np.concatenate([self.input, samples.astype(np.float32)], axis=1)
        self.received += samples.shape[1]
        complete = (self.received - HALF) // HOP + 1 if self.received >= HALF else 0
        setting = self.setting
        steps = max(0, (complete - setting.lookahead - self.next_frame) // setting.step)
        self._emit(steps)
        return self._take(self.next_frame * HOP - HALF, with_tails=True)

    def finish(self) -> Output:
        """The input ended: separate every frame left (zeros past the end); the rest of the output."""
        total_frames = 1 + self.received // HOP
        setting = self.setting
        steps = -(-(total_frames - self.next_frame) // setting.step)
        self._emit(max(steps, 0))  # the frames past the end see zeros, as offline
        return self._take(self.received, with_tails=False)

    def _emit(self, steps: int) -> None:
        """Mask and overlap-add ``steps`` more runs of ``step`` frames, windows batched into one pass."""
        if steps == 0:
            return
        with torch.inference_mode():
            self._emit_frames(steps)

    def _emit_frames(self, steps: int) -> None:
        setting = self.setting
        window, lookahead = setting.window, setting.lookahead
        first = self.next_frame
        last = first + steps * setting.step  # frames first..last-1 are kept
        # Window i ends (exclusive) at frame first + (i + 1) * step + lookahead.
        ends = [first + (i + 1) * setting.step + lookahead for i in range(steps)]
        lo_frame = ends[0] - window
        hi_frame = ends[-1]
        spectrum = self._spectrum(lo_frame, hi_frame)  # (2, N_BINS, hi - lo)
        windows = torch.cat([spectrum[..., e - window - lo_frame : e - lo_frame] for e in ends], dim=-1)
        masks = self.model.masks(windows, block_frames=window)
        keep = slice(window - lookahead - setting.step, window - lookahead)
        kept = {}
        for stem, mask in masks.items():
            blocks = mask.reshape(CHANNELS, mask.shape[1], steps, window)[..., keep]
            kept[stem] = blocks.reshape(CHANNELS, mask.shape[1], steps * setting.step)
        frames_spec = spectrum[..., first - lo_frame : last - lo_frame]
        start = first * HOP - HALF
        for stem in STEMS:
            frames = torch.fft.irfft(frames_spec * kept[stem], n=N_FFT, dim=1) * self.model.window[:, None]
            signal = overlap_add(frames).double().numpy()
            self._accumulate(stem, start, signal)
        self.next_frame = last
        self._forget_input(last + 1 - window)

    def _spectrum(self, lo_frame: int, hi_frame: int) -> torch.Tensor:
        """STFT frames lo..hi-1 of the input (zeros before sample 0 and after the last)."""
        start, stop = lo_frame * HOP - HALF, (hi_frame - 1) * HOP + HALF
        audio = np.zeros((CHANNELS, stop - start), dtype=np.float32)
        lo = max(start, self.input_start)
        hi = min(stop, self.input_start + self.input.shape[1])
        if hi > lo:
            audio[:, lo - start : hi - start] = self.input[:, lo - self.input_start : hi - self.input_start]
        tensor = torch.from_numpy(audio).to(self.model.device)
        return torch.stft(tensor, N_FFT, HOP, window=self.model.window, center=False, return_complex=True)

    def _accumulate(self, stem: str, start: int, signal: np.ndarray) -> None:
        """Add ``signal`` (starting at sample ``start``) into the accumulator, which starts at ``final``."""
        skip = max(0, self.final - start)
        signal = signal[:, skip:]
        offset = start + skip - self.final
        acc = self.acc[stem]
        needed = offset + signal.shape[1]
        if acc.shape[1] < needed:
            acc = np.concatenate([acc, np.zeros((CHANNELS, needed - acc.shape[1]))], axis=1)
        acc[:, offset:needed] += signal
        self.acc[stem] = acc

    def _envelope(self, lo: int, hi: int) -> np.ndarray:
        envelope = np.full(hi - lo, self.envelope_steady)
        head = self.envelope_head
        if lo < len(head):
            upto = min(hi, len(head))
            envelope[: upto - lo] = head[lo:upto]
        return envelope

    def _take(self, upto: int, *, with_tails: bool) -> Output:
        start = self.final
        upto = max(upto, start)
        count = upto - start
        envelope = self._envelope(start, upto)
        stems, tails = {}, {}
        for stem in STEMS:
            acc = self.acc[stem]
            if acc.shape[1] < count + TAIL:
                acc = np.concatenate([acc, np.zeros((CHANNELS, count + TAIL - acc.shape[1]))], axis=1)
            stems[stem] = (acc[:, :count] / envelope).astype(np.float32)
            if with_tails:
                tails[stem] = (acc[:, count : count + TAIL] / self.tail_envelope).astype(np.float32)
            self.acc[stem] = acc[:, count:]
        self.final = upto
        return Output(start, stems, tails if with_tails else None)

    def _forget_input(self, frame: int) -> None:
        """Drop input no window from ``frame`` on reads."""
        keep_from = frame * HOP - HALF
        if keep_from > self.input_start:
            drop = min(keep_from - self.input_start, self.input.shape[1])
            self.input = self.input[:, drop:]
            self.input_start += drop
