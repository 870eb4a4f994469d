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

Silence in gives silence out: the masks only scale the input's own spectrum, and the vocals
gate (live.gate) closes on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from audio.engines.local.spleeter.separator import HALF, HOP, N_FFT, SAMPLE_RATE, SpleeterSeparator, overlap_add
from audio.engines.local.spleeter.weights import INSTRUMENTS
from live.gate import VocalsGate

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

    def runs_ready(self, received: int) -> int:
        """Runs of ``step`` frames, counted from the stream's start, whose windows (lookahead
        included) have fully arrived once ``received`` input samples have."""
        complete = (received - HALF) // HOP + 1 if received >= HALF else 0
        return max(0, complete - self.lookahead) // self.step

    @property
    def deadline_samples(self) -> int:
        """How long after its frames are due the model's output may come, at most (one step of
        audio: the model's time for a pass); later, they go dry. A player buffers this much."""
        return self.step * HOP


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
    """One stream's separation state around a shared, loaded SpleeterSeparator.

    ``feed`` separates one stream alone; a model process serving several streams adds
    each one's input (``add``) and separates them in one pass (``separate_together``)."""

    def __init__(self, model: SpleeterSeparator, setting: Setting) -> None:
        self.model = model
        self.setting = setting
        self.received = 0  # input samples so far
        self.next_frame = 0  # frames before it are overlap-added into ``acc`` (or skipped)
        self.final = 0  # output samples before it have been returned
        self.skipped_frames = 0  # STFT frames never separated: their output was no longer wanted
        # Input from sample ``input_start`` on: what the next windows still read.
        self.input_start = 0
        self.input = np.zeros((CHANNELS, 0), dtype=np.float32)
        # Overlap-add accumulators from sample ``final`` on.
        self.acc = {stem: np.zeros((CHANNELS, 0), dtype=np.float64) for stem in STEMS}
        self.gate = VocalsGate()
        window = model.window
        head = _window_envelope(window, N_FFT // HOP + 4)
        self.envelope_head = head[HALF : HALF + N_FFT]  # from sample 0, where frames before 0 are missing
        self.envelope_steady = float(head[HALF + N_FFT])
        # Coverage of the TAIL samples after a final boundary by the frames before it.
        partial = _window_envelope(window, N_FFT // HOP)
        self.tail_envelope = partial[N_FFT : N_FFT + TAIL]

    def feed(self, samples: np.ndarray) -> Output:
        """Add float32 (2, n) input; return the output samples that became final."""
        self.add(samples)
        separate_together([self])
        return self.take()

    def add(self, samples: np.ndarray) -> None:
        """Add float32 (2, n) input, separating nothing yet."""
        self.input = np.concatenate([self.input, samples.astype(np.float32)], axis=1)
        self.received += samples.shape[1]

    def steps_ready(self) -> int:
        """Runs of ``step`` frames ready to separate (``next_frame`` is always a whole number of runs)."""
        return max(0, self.setting.runs_ready(self.received) - self.next_frame // self.setting.step)

    def take(self) -> Output:
        """The output samples made final by the passes so far."""
        return self._take(self.next_frame * HOP - HALF, with_tails=True)

    def skip_before(self, sample: int) -> None:
        """Output before ``sample`` is no longer wanted (it went out dry): the frames that only
        reach samples before it are never separated. Later output is exactly as without the skip
        (the windows still read their past context); the output returned before ``sample`` is not
        the separation any more."""
        frame = (sample - HALF) // HOP + 1  # frames before it end at or before ``sample``
        step = self.setting.step  # whole runs: the windows stay where they would have been
        frame = self.next_frame + (frame - self.next_frame) // step * step
        if frame <= self.next_frame:
            return
        self.skipped_frames += frame - self.next_frame
        self.next_frame = frame
        self._forget_input(frame + 1 - self.setting.window)

    def finish(self) -> Output:
        """The input ended: separate every frame left (zeros past the end); the rest of the output."""
        total_frames = 1 + self.received // HOP
        steps = -(-(total_frames - self.next_frame) // self.setting.step)
        separate_together([self], steps=[max(steps, 0)])  # the frames past the end see zeros, as offline
        return self._take(self.received, with_tails=False)

    def _windows(self, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The nets' input for ``steps`` more runs: ``steps`` windows side by side, and the
        spectrum of the frames they keep."""
        setting = self.setting
        window, lookahead = setting.window, setting.lookahead
        first = self.next_frame
        # Window i ends (exclusive) at frame first + (i + 1) * step + lookahead.
        ends = [first + (i + 1) * setting.step + lookahead for i in range(steps)]
        lo_frame = ends[0] - window
        spectrum = self._spectrum(lo_frame, ends[-1])  # (2, N_BINS, hi - lo)
        windows = torch.cat([spectrum[..., e - window - lo_frame : e - lo_frame] for e in ends], dim=-1)
        kept = spectrum[..., first - lo_frame : first + steps * setting.step - lo_frame]
        return windows, kept

    def _overlap_add(self, steps: int, kept_spectrum: torch.Tensor, masks: dict[str, torch.Tensor]) -> None:
        """Mask the kept frames with their windows' masks and overlap-add them into the output."""
        setting = self.setting
        window, lookahead = setting.window, setting.lookahead
        keep = slice(window - lookahead - setting.step, window - lookahead)
        start = self.next_frame * HOP - HALF
        for stem in STEMS:
            mask = masks[stem]
            blocks = mask.reshape(CHANNELS, mask.shape[1], steps, window)[..., keep]
            kept = blocks.reshape(CHANNELS, mask.shape[1], steps * setting.step)
            frames = torch.fft.irfft(kept_spectrum * kept, n=N_FFT, dim=1) * self.model.window[:, None]
            self._accumulate(stem, start, overlap_add(frames).double().numpy())
        self.next_frame += steps * setting.step
        self._forget_input(self.next_frame + 1 - window)

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
        stems["vocals"], stems["accompaniment"] = self.gate.apply(start, stems["vocals"], stems["accompaniment"])
        if with_tails:
            tails["vocals"], tails["accompaniment"] = self.gate.apply_to_tails(tails["vocals"], tails["accompaniment"])
        return Output(start, stems, tails if with_tails else None)

    def _forget_input(self, frame: int) -> None:
        """Drop input no window from ``frame`` on reads."""
        keep_from = frame * HOP - HALF
        if keep_from > self.input_start:
            drop = min(keep_from - self.input_start, self.input.shape[1])
            self.input = self.input[:, drop:]
            self.input_start += drop


def separate_together(separators: Sequence[StreamSeparator], steps: Sequence[int] | None = None) -> list[int]:
    """Separate each stream's ready runs (or ``steps[i]`` runs of stream i) in one pass of the nets:
    every window of every stream side by side on the batch axis. Returns the runs done per stream.

    The windows of one stream are those it would see alone, so the result is each stream's own;
    one pass of n windows costs less than n passes of one."""
    counts = [s.steps_ready() for s in separators] if steps is None else list(steps)
    work = [(s, n) for s, n in zip(separators, counts, strict=True) if n > 0]
    if not work:
        return counts
    by_window: dict[int, list[tuple[StreamSeparator, int]]] = {}  # one block size per pass of the nets
    for separator, n in work:
        by_window.setdefault(separator.setting.window, []).append((separator, n))
    with torch.inference_mode():
        for window, group in by_window.items():
            prepared = [(s, n, *s._windows(n)) for s, n in group]
            spectra = torch.cat([windows for _, _, windows, _ in prepared], dim=-1)
            masks = group[0][0].model.masks(spectra, block_frames=window)
            offset = 0
            for separator, n, windows, kept in prepared:
                span = slice(offset, offset + windows.shape[-1])
                separator._overlap_add(n, kept, {stem: mask[..., span] for stem, mask in masks.items()})
                offset = span.stop
    return counts
