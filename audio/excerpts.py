"""Cut a stretch of a track into a WAV of its own, decoding only what is needed."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import soundfile


def write_excerpt(source: Path, target: Path, *, start: float, seconds: float) -> float:
    """Write ``seconds`` of ``source`` from ``start`` to ``target`` (float WAV, the
    source's rate, stereo); returns the seconds written (less near the end)."""
    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        first, wanted = round(start * rate), round(seconds * rate)
        if start > 0:
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        blocks, position, have = [], None, 0
        for frame in container.decode(stream):
            if position is None:  # where decoding really resumed after the seek
                position = round(frame.pts * stream.time_base * rate) if frame.pts is not None else 0
            for out in resampler.resample(frame):
                block = out.to_ndarray()
                skip = max(0, first - position)
                position += block.shape[1]
                if skip < block.shape[1]:
                    blocks.append(block[:, skip:])
                    have += block.shape[1] - skip
            if have >= wanted:
                break
    samples = np.concatenate(blocks, axis=1)[:, :wanted] if blocks else np.zeros((2, 0), np.float32)
    soundfile.write(str(target), samples.T, rate, subtype="FLOAT")
    return samples.shape[1] / rate
