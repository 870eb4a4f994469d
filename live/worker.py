"""The process that runs the live model: loaded once, warm, shared by every stream of a web server.

The web server's event loop never runs the model: it hands each stream's audio to
this process (a one-process ``ProcessPoolExecutor``: started on the first stream,
restarted if it dies) and awaits the answer. Each stream's state lives in the
process under the stream's id. Calls go in the order they were made, one batch at a
time: every call made while the process works on a batch goes in the next one, and
the streams fed in a batch are separated in one pass of the nets (cheaper than one
pass each). A stream's output already sent dry is not computed (``skip_before``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
import torch

from live.separator import CHANNELS, HOP, SETTINGS, Output, Setting, StreamSeparator, separate_together

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


def _as_float(pcm: bytes, channels: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).T.astype(np.float32) / INT16_SCALE
    return np.repeat(samples, CHANNELS, axis=0) if channels == 1 else samples


def _in_channels(output: Output, channels: int) -> Output:
    """The output with the stream's channels (a mono stream was separated as two equal channels)."""
    if channels == CHANNELS:
        return output
    tails = None if output.tails is None else {k: v[:channels] for k, v in output.tails.items()}
    return Output(output.start, {k: v[:channels] for k, v in output.stems.items()}, tails)


@dataclass
class Call:
    """One request to the model process: open, feed, finish or close a stream.

    ``skip_before`` (feed): output before this frame went out dry already; it is not computed."""

    kind: str
    stream_id: str
    setting: Setting | None = None
    channels: int = CHANNELS
    pcm: bytes = b""
    skip_before: int = 0


def _run(calls: list[Call]) -> list[tuple[Output, float, int] | None]:
    """Run the calls in order, the separation in one pass for every stream fed. A stream's last
    feed and a finish answer (Output, compute seconds, frames skipped so far); the rest answer
    None: a stream's earlier feeds in the batch, open and close, and the calls of a stream this
    process does not hold (closed meanwhile, or held by a process that died)."""
    results: list[tuple[Output, float, int] | None] = [None] * len(calls)
    fed: dict[str, int] = {}  # stream id -> the index of its last feed in ``calls``
    for index, call in enumerate(calls):
        if call.kind == "open":
            _streams[call.stream_id] = (StreamSeparator(_model, call.setting), call.channels)
        elif call.kind == "close":
            _streams.pop(call.stream_id, None)
            fed.pop(call.stream_id, None)
        elif call.kind == "finish" and call.stream_id in _streams:
            results[index] = _finish(call.stream_id)
        elif call.kind == "feed" and call.stream_id in _streams:  # the output comes with the last feed
            separator, channels = _streams[call.stream_id]
            separator.add(_as_float(call.pcm, channels))
            separator.skip_before(call.skip_before)
            fed[call.stream_id] = index
    began = time.perf_counter()
    separators = [_streams[stream_id][0] for stream_id in fed]
    steps = separate_together(separators)
    seconds = time.perf_counter() - began
    for (stream_id, index), separator, runs in zip(fed.items(), separators, steps, strict=True):
        channels = _streams[stream_id][1]
        share = seconds * runs / max(sum(steps), 1)
        results[index] = (_in_channels(separator.take(), channels), share, separator.skipped_frames * HOP)
    return results


def _finish(stream_id: str) -> tuple[Output, float, int]:
    separator, channels = _streams.pop(stream_id)
    began = time.perf_counter()
    output = separator.finish()
    return _in_channels(output, channels), time.perf_counter() - began, separator.skipped_frames * HOP


def _warm() -> bool:
    return _model is not None


class ModelWorker:
    """The web server's side of the model process."""

    def __init__(self, *, loader: str, threads: int) -> None:
        self.loader = loader
        self.threads = threads
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting: list[tuple[Call, asyncio.Future, Callable[[], int] | None]] = []
        self._dispatcher: asyncio.Task | None = None

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

    def _submit(self, call: Call, skip_before: Callable[[], int] | None = None) -> asyncio.Future:
        """Queue a call for the process; ``skip_before`` is read when the call goes (see Call)."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((call, future, skip_before))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        return future

    async def _dispatch(self) -> None:
        """Hand the waiting calls to the process together, one batch at a time: the calls made
        while the process works go in the next batch, and their streams share its passes."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            for call, _, skip_before in batch:
                if skip_before is not None:
                    call.skip_before = skip_before()
            try:
                results = await self._call(_run, [call for call, _, _ in batch])
            except Exception as exc:  # every call of the batch fails with it (WorkerUnavailable: the process died)
                for _, future, _ in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future, _), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def open(self, stream_id: str, setting: Setting, channels: int) -> None:
        await self._submit(Call("open", stream_id, setting=setting, channels=channels))

    def feed(self, stream_id: str, pcm: bytes, skip_before: Callable[[], int]) -> asyncio.Future:
        """A future of (Output, compute seconds, frames skipped so far) with the output made final
        by this audio, or None when a later feed of the stream in the same batch has it.
        ``skip_before()``: the frame before which output is no longer wanted (it went out dry)."""
        return self._submit(Call("feed", stream_id, pcm=pcm), skip_before)

    async def finish(self, stream_id: str) -> tuple[Output, float, int]:
        """(Output, compute seconds, frames skipped so far): the rest of the output; raises
        WorkerUnavailable when the process holding the stream died."""
        answer = await self._submit(Call("finish", stream_id))
        if answer is None:
            raise WorkerUnavailable("The separation process stopped.")
        return answer

    async def close(self, stream_id: str) -> None:
        if self._pool is None:
            return  # the process died with every stream's state: nothing to forget, nothing to start
        with contextlib.suppress(WorkerUnavailable):  # the process and its streams are gone already
            await self._submit(Call("close", stream_id))
