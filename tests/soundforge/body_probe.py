"""Send oversized bodies to a running server and watch what the web process holds meanwhile.

Used by the body-limit tests and bench/bench_body_limit.py.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

CHUNK = 64 * 1024


def spooled_bytes(pid: int, folder: Path) -> int:
    """Bytes in the files ``pid`` holds open under ``folder`` (deleted temporary files included)."""
    total = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(str(folder)):
                total += os.stat(fd).st_size
        except OSError:
            continue  # closed meanwhile
    return total


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Peak:
    """The highest of ``measure()`` while the block runs, sampled every 5 ms."""

    def __init__(self, measure):
        self.measure, self.peak = measure, 0
        self._stop = threading.Event()

    def __enter__(self) -> Peak:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            try:
                self.peak = max(self.peak, self.measure())
            except OSError:
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def post_body(port: int, path: str, size: int, *, chunked: bool, timeout: float = 30) -> tuple[int, int]:
    """POST ``size`` bytes; returns (status, bytes the server let us send before it answered).

    With ``chunked`` the body has no Content-Length and only its arrival tells its size.
    """
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/octet-stream"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent, block = 0, b"\0" * CHUNK
        try:
            while sent < size:
                part = block[: min(CHUNK, size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what a limit does
        return _status(sock), sent


def _status(sock: socket.socket) -> int:
    reply = b""
    try:
        while b"\r\n" not in reply:
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    except ConnectionResetError:
        pass
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
