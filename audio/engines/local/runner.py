"""The runner process: ``python -m audio.engines.local.runner [options]``.

Reads protocol requests from stdin, writes protocol events to stdout and logs to
stderr. Standard output is claimed at start: file descriptor 1 and ``sys.stdout``
are pointed at stderr, and protocol lines go to a private duplicate of the real
stdout, so prints from libraries (tqdm, warnings, C code) can never corrupt the
protocol. Loaded models stay cached between requests. Imports no Django.

The runner ends when its parent does, whoever the parent is (a worker, `manage.py
separate`) and however it ends: the end of its stdin, or a new parent process
id, cancels the job in hand, and the runner exits within EXIT_GRACE_SECONDS even
if that job has no cancel point left.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

import torch

from audio.engines.base import EngineError
from audio.engines.local import allocator, protocol
from audio.engines.local.job import JobRun
from audio.engines.local.models import ModelCache

logger = logging.getLogger("audio.engines.local.runner")
EXIT_GRACE_SECONDS = 5.0
KEEPALIVE_SECONDS = 30.0


class RunnerServer:
    """Serves requests one at a time; a reader thread handles cancel messages."""

    def __init__(self, out: BinaryIO, cache: ModelCache):
        self.out = out
        self.cache = cache
        self._write_lock = threading.Lock()
        self._jobs: queue.Queue[protocol.SeparateRequest | None] = queue.Queue()
        self._cancels: dict[str, threading.Event] = {}
        self._cancels_lock = threading.Lock()

    def send(self, message: dict) -> None:
        with self._write_lock:
            self.out.write(protocol.encode(message))
            self.out.flush()

    def read_requests(self, stdin: BinaryIO) -> None:
        """Reader thread: queue separate requests, flag cancels; None at end of input."""
        for line in stdin:
            if not line.strip():
                continue
            try:
                parsed = protocol.parse_request(line)
            except protocol.ProtocolViolation as exc:
                logger.error("unreadable request %r: %s", line[:200], exc)
                self.send(protocol.error_event("", f"Unreadable request: {exc}", "protocol_error"))
                continue
            with self._cancels_lock:
                if isinstance(parsed, str):
                    if parsed in self._cancels:  # a cancel for a finished job is moot
                        self._cancels[parsed].set()
                    continue
                self._cancels[parsed.id] = threading.Event()
            self._jobs.put(parsed)
        self.parent_gone()

    def parent_gone(self) -> None:
        """No more requests (stdin closed, or the parent died): cancel what runs, then exit."""
        with self._cancels_lock:
            for cancelled in self._cancels.values():
                cancelled.set()
        self._jobs.put(None)
        deadline = threading.Timer(EXIT_GRACE_SECONDS, os._exit, args=(0,))
        deadline.daemon = True  # a job that stops in time lets the process end before it
        deadline.start()

    def serve(self) -> None:
        while (request := self._jobs.get()) is not None:
            self.handle(request)

    def handle(self, request: protocol.SeparateRequest) -> None:
        with self._cancels_lock:
            cancelled = self._cancels[request.id]
        last = [-1, 0.0]  # percent sent, when

        def report(percent: int) -> None:
            """Send a rising percent, or the same one again once KEEPALIVE_SECONDS passed:
            a long stretch within one percent is never taken for a stall."""
            now = time.monotonic()
            if percent > last[0] or now - last[1] >= KEEPALIVE_SECONDS:
                last[:] = [max(percent, last[0]), now]
                self.send(protocol.progress_event(request.id, last[0]))

        try:
            report(0)  # accepted: the supervisor's stall timer starts here
            stems, meta, levels = self.run_job(request, report, cancelled)
        except EngineError as exc:
            logger.info("request %s failed: %s", request.id, exc.message)
            self.send(protocol.error_event(request.id, exc.message, exc.code))
        except Exception as exc:  # reported to the supervisor, never swallowed
            logger.exception("request %s crashed", request.id)
            self.send(protocol.error_event(request.id, f"The separation failed: {exc}", "engine_error"))
        else:
            self.send(protocol.result_event(request.id, stems, meta, levels))
        finally:
            with self._cancels_lock:
                self._cancels.pop(request.id, None)
            allocator.release_free_memory()

    def run_job(self, request: protocol.SeparateRequest, report, cancelled: threading.Event) -> tuple[dict, dict, dict]:
        """One accepted request: stem name -> path, the result meta and the levels."""
        return JobRun(request, self.cache, report, cancelled).run()


def watch_parent(server: RunnerServer, parent: int) -> None:
    """Thread: a new parent process id means ours died (we were adopted)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    logger.warning("parent process %d is gone; stopping", parent)
    server.parent_gone()


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for protocol lines; send everything else to stderr."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb")


def pick_device(requested: str) -> str:
    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m audio.engines.local.runner")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--model-dir", type=Path, default=None, help="Demucs local model repo")
    parser.add_argument("--cache-size", type=int, default=2, help="models kept loaded")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, server_class: type[RunnerServer] = RunnerServer) -> int:
    out = claim_stdout()
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(max(1, args.threads))
    device = pick_device(args.device)
    server = server_class(out, ModelCache(args.cache_size, model_dir=args.model_dir, device=device))
    logger.info("runner ready: pid %d, device %s, %d threads", os.getpid(), device, args.threads)
    threading.Thread(target=server.read_requests, args=(sys.stdin.buffer,), daemon=True).start()
    threading.Thread(target=watch_parent, args=(server, os.getppid()), daemon=True).start()
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
