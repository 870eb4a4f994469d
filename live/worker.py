"""The process that runs the live model: loaded once, warm, shared by every stream of a web server.

The web server's event loop never runs the model: it hands each stream's audio to
this process (a one-process ``ProcessPoolExecutor``: started on the first stream,
restarted if it dies) and awaits the answer. Each stream's state lives in the
process under the stream's id; calls run one at a time in the order they were made,
so one stream's audio is always separated in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import torch

from live.separator import CHANNELS, SETTINGS, Output, Setting, StreamSeparator

logger = logging.getLogger(__name__)
INT16_SCALE = 32768.0

# In the worker process: the model and each open stream's separator.
_model = None
_streams: dict[str, tuple[StreamSeparator, int]] = {}


class WorkerUnavailable(Exception):
    """The model process could not start or died; the stream cannot go on."""


def _load(loader: str, threads: int) -> None:
    global _model
    torch.set_num_threads(threads)
    module, name = loader.rsplit(".", 1)
    _model = getattr(importlib.import_module(module), name)()
    # The first pass through the nets is several times slower than the next ones: take it now,
    # not in a stream's first step.
    StreamSeparator(_model, SETTINGS[0]).finish()
    logger.info("Live model loaded in its process (%s, %d threads)", loader, threads)


def _open(stream_id: str, setting: Setting, channels: int) -> None:
    _streams[stream_id] = (StreamSeparator(_model, setting), channels)


def _as_float(pcm: bytes, channels: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).T.astype(np.float32) / INT16_SCALE
    return np.repeat(samples, CHANNELS, axis=0) if channels == 1 else samples


def _in_channels(output: Output, channels: int) -> Output:
    """The output with the stream's channels (a mono stream was separated as two equal channels)."""
    if channels == CHANNELS:
        return output
    tails = None if output.tails is None else {k: v[:channels] for k, v in output.tails.items()}
    return Output(output.start, {k: v[:channels] for k, v in output.stems.items()}, tails)


def _feed(stream_id: str, pcm: bytes) -> tuple[Output, float]:
    separator, channels = _streams[stream_id]
    began = time.perf_counter()
    output = separator.feed(_as_float(pcm, channels))
    return _in_channels(output, channels), time.perf_counter() - began


def _finish(stream_id: str) -> tuple[Output, float]:
    separator, channels = _streams.pop(stream_id)
    began = time.perf_counter()
    output = separator.finish()
    return _in_channels(output, channels), time.perf_counter() - began


def _close(stream_id: str) -> None:
    _streams.pop(stream_id, None)


def _warm() -> bool:
    return _model is not None


class ModelWorker:
    """The web server's side of the model process."""

    def __init__(self, *, loader: str, threads: int) -> None:
        self.loader = loader
        self.threads = threads
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the web server runs threads, which fork would copy half-way.
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_load,
                    initargs=(self.loader, self.threads),
                )
            return self._pool

    async def _call(self, function, *args):
        pool = self._executor()
        try:
            return await asyncio.wrap_future(pool.submit(function, *args))
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            logger.error("The live model process died; it starts again with the next stream")
            raise WorkerUnavailable("The separation process stopped.") from exc

    async def start(self) -> None:
        """Start the process and load the model, if not done yet; raises WorkerUnavailable."""
        try:
            await self._call(_warm)
        except WorkerUnavailable:  # it died since its last call (that call found the pool broken): again
            await self._call(_warm)

    async def open(self, stream_id: str, setting: Setting, channels: int) -> None:
        await self._call(_open, stream_id, setting, channels)

    def feed(self, stream_id: str, pcm: bytes) -> asyncio.Future:
        """A future of (Output, compute seconds): the output made final by this audio."""
        return asyncio.ensure_future(self._call(_feed, stream_id, pcm))

    def finish(self, stream_id: str) -> asyncio.Future:
        return asyncio.ensure_future(self._call(_finish, stream_id))

    async def close(self, stream_id: str) -> None:
        if self._pool is None:
            return  # the process died with every stream's state: nothing to forget, nothing to start
        with contextlib.suppress(WorkerUnavailable):  # the process and its streams are gone already
            await self._call(_close, stream_id)

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
