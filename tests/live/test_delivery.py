"""What goes out when the model is late: the dry input, crossfaded in and out, never a jump."""

from __future__ import annotations

import numpy as np

from live.delivery import DRY_SHARE, Delivery
from live.separator import TAIL, Output

RATE = 44100
STEMS = ("vocals", "accompaniment")


def tone(start: int, stop: int, frequency: float, level: float) -> np.ndarray:
    t = np.arange(start, stop) / RATE
    return np.stack([level * np.sin(2 * np.pi * frequency * t)] * 2).astype(np.float32)


def mix(start: int, stop: int) -> np.ndarray:
    return tone(start, stop, 220, 0.4) + tone(start, stop, 330, 0.3)


def model_output(start: int, stop: int) -> Output:
    """What a model would say: the 220 Hz tone is the vocals, the 330 Hz one the accompaniment."""
    stems = {"vocals": tone(start, stop, 220, 0.4), "accompaniment": tone(start, stop, 330, 0.3)}
    tails = {"vocals": tone(stop, stop + TAIL, 220, 0.4), "accompaniment": tone(stop, stop + TAIL, 330, 0.3)}
    return Output(start, stems, tails)


def feed(delivery: Delivery, start: int, stop: int) -> None:
    delivery.add_input(np.round(mix(start, stop).T * 32767).astype(np.int16))


def test_late_output_is_sent_dry_with_crossfades_both_ways_and_counted():
    delivery = Delivery(stems=STEMS, channels=2, latency=0)
    pieces = []
    feed(delivery, 0, 8192)
    delivery.add_wet(model_output(0, 8192))
    pieces.append(delivery.take(delivery.due()))
    feed(delivery, 8192, 16384)  # the model is late for these
    pieces.append(delivery.take(delivery.due()))
    feed(delivery, 16384, 24576)
    delivery.add_wet(model_output(8192, 24576))  # late answer: its first half went out dry
    pieces.append(delivery.take(delivery.due()))

    assert [(p.start, p.dry) for p in pieces] == [(0, 0), (8192, 8192), (16384, 0)]
    assert delivery.fallback_frames == 8192
    vocals = np.concatenate([p.stems["vocals"] for p in pieces], axis=1)
    expected_wet = tone(0, 24576, 220, 0.4)
    dry = mix(0, 24576) * DRY_SHARE
    assert np.allclose(vocals[:, :8192], expected_wet[:, :8192], atol=1e-6)
    assert np.allclose(vocals[:, 8192 + TAIL : 16384], dry[:, 8192 + TAIL : 16384], atol=1e-4), "dry after the fade"
    assert np.allclose(vocals[:, 16384 + TAIL :], expected_wet[:, 16384 + TAIL :], atol=1e-6), "back to the model"
    # A 220 Hz tone at 0.4 moves at most 0.4 * 2π * 220 / 44100 ≈ 0.0125 per sample; the dry
    # mix 0.5 * (0.4 + 0.3) adds as much again. A hard switch would jump by up to 0.35.
    assert np.max(np.abs(np.diff(vocals, axis=1))) < 0.03


def test_the_stems_of_dry_frames_add_up_to_the_input():
    delivery = Delivery(stems=STEMS, channels=2, latency=4096)
    feed(delivery, 0, 12288)
    chunk = delivery.take(delivery.due())
    assert (chunk.start, chunk.dry) == (0, 8192)
    total = chunk.stems["vocals"] + chunk.stems["accompaniment"]
    assert np.allclose(total, mix(0, 8192), atol=1e-4)


def test_nothing_goes_out_before_its_input_frame_plus_the_latency_has_come():
    delivery = Delivery(stems=STEMS, channels=2, latency=5000)
    feed(delivery, 0, 4999)
    assert delivery.take(delivery.due()) is None
    feed(delivery, 4999, 5001)
    chunk = delivery.take(delivery.due())
    assert chunk.start == 0 and chunk.stems["vocals"].shape[1] == 1, "frame 0 once frame 5000 is in"
