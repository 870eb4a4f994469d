"""What lalal.ai sent, decided by decoding it, and converting it to the format asked for.

lalal.ai's ``encoder_format`` is a wish: a result file may come back in another
format (a WAV for a FLAC asked for). A stem is stored under the extension of the
job's output format, so its bytes must be that format. Conversion streams frame
by frame through FFmpeg (PyAV), so memory stays flat however long the stem is.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import av

from audio.engines.base import EngineProtocolError

logger = logging.getLogger(__name__)

# Output format -> FFmpeg's demuxer name for it, the encoder, its sample format, bit rate, options.
_FORMATS = {
    "wav": ("wav", "pcm_s16le", "s16", None, {}),
    "flac": ("flac", "flac", "s16", None, {}),
    # LAME's quality 5, as the local engine writes MP3 (audio.engines.local.audio_io): about twice
    # as fast as its default, no audible difference at 320 kbit/s.
    "mp3": ("mp3", "libmp3lame", "s16p", 320_000, {"compression_level": "5"}),
}
MP3_MAX_RATE = 48_000


def found_format(path: Path) -> str | None:
    """FFmpeg's name for the container in ``path`` (``wav``, ``flac``, ``mp3``...), when it
    holds audio that decodes; None otherwise."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            next(container.decode(audio=0))
            return container.format.name
    except (av.error.FFmpegError, StopIteration, UnicodeDecodeError):
        return None


def ensure_format(path: Path, output_format: str, *, stem: str) -> bool:
    """Make ``path`` hold ``output_format`` audio, converting what lalal.ai sent if it is
    another format; True when it converted. Raises EngineProtocolError when the file is
    not audio at all."""
    found = found_format(path)
    if found is None:
        raise EngineProtocolError(f"lalal.ai sent a {stem} stem that is not audio SoundForge can read.")
    container = _FORMATS[output_format][0]
    if found == container:
        return False
    logger.info("lalal.ai sent the %s stem as %s; converting it to %s", stem, found, output_format)
    converted = path.with_name(f".{path.name}.converting")
    try:
        _transcode(path, converted, output_format)
        os.replace(converted, path)
    except av.error.FFmpegError as exc:
        raise EngineProtocolError(f"lalal.ai's {stem} stem could not be converted to {output_format}.") from exc
    finally:
        converted.unlink(missing_ok=True)
    return True


def _transcode(source: Path, target: Path, output_format: str) -> None:
    container, codec, sample_format, bit_rate, options = _FORMATS[output_format]
    with av.open(str(source)) as reading, av.open(str(target), "w", format=container) as writing:
        audio = reading.streams.audio[0]
        rate = min(audio.rate, MP3_MAX_RATE) if output_format == "mp3" else audio.rate
        layout = "stereo" if audio.channels >= 2 else "mono"
        stream = writing.add_stream(codec, rate=rate, layout=layout, options=options)
        stream.format = sample_format
        if bit_rate:
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        for frame in reading.decode(audio):
            for out in resampler.resample(frame):
                writing.mux(stream.encode(out))
        for out in resampler.resample(None):
            writing.mux(stream.encode(out))
        writing.mux(stream.encode(None))
