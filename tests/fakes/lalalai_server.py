"""A fake lalal.ai API v1: a real HTTP server on loopback, for tests.

It follows the v1 OpenAPI document for upload, split (stem_separator and
multistem), check (with the per-key rate limit), cancel, cancel all, delete,
minutes left and result downloads; it records every request, and can be told
to misbehave (``fail``) or to refuse work (``state.max_duration`` and co).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import soundfile

from tests.fakes.lalalai_state import LalalaiState

logger = logging.getLogger(__name__)

ROUTES = {
    "/api/v1/upload/": "upload",
    "/api/v1/split/stem_separator/": "split",
    "/api/v1/split/multistem/": "split",
    "/api/v1/check/": "check",
    "/api/v1/cancel/": "cancel",
    "/api/v1/cancel/all/": "cancel_all",
    "/api/v1/delete/": "delete",
    "/api/v1/limits/minutes_left/": "minutes_left",
}
FAULT_KINDS = ("status", "hang", "malformed", "missing_fields", "cut_short")
_FILENAME = re.compile(r"^attachment;\s*filename=(?P<name>[^;]+)$")
_MEDIA = re.compile(r"^/media/(?P<task>[0-9a-f-]+)/(?P<name>[\w.-]+)$")
_CHUNK = 64 * 1024


@dataclass
class RecordedRequest:
    endpoint: str
    path: str
    key: str | None
    body: Any
    at: float  # time.monotonic()
    status: int = 0
    fault: str | None = None


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 500


class FakeLalalai:
    """The server and its controls. ``base_url`` ends with ``/api/v1/``."""

    def __init__(self, root: Path):
        self.state = LalalaiState(root / "media")
        self.upload_dir = root / "uploads"
        self.upload_dir.mkdir(parents=True)
        self.requests: list[RecordedRequest] = []
        self.hang_seconds = 5.0
        self._faults: dict[str, deque[Fault | None]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}/api/v1/"
        self.state.media_url = f"http://{host}:{port}/media"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True, name="fake-lalalai"
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # Controls -------------------------------------------------------------
    def add_key(self, key: str, minutes: float = 600.0) -> None:
        self.state.add_key(key, minutes)

    def send_results_as(self, fmt: str) -> None:
        """Answer every split with files in ``fmt``, named with the extension asked for."""
        with self.state.lock:
            self.state.sent_format = fmt

    def revoke_key(self, key: str) -> None:
        """lalal.ai forgets the key (a licence cancelled or replaced): it is refused from now on."""
        with self.state.lock:
            self.state.accounts.pop(key, None)

    def set_check_limit(self, limit: int, window: float) -> None:
        self.state.check_limit, self.state.check_window = limit, window

    def fail(self, endpoint: str, kind: str, *, times: int = 1, status: int = 500, after: int = 0) -> None:
        """Let ``after`` calls to ``endpoint`` through, then make ``times`` misbehave."""
        assert kind in FAULT_KINDS and (endpoint in ROUTES.values() or endpoint == "download")
        with self._lock:
            self._faults[endpoint].extend([None] * after)
            self._faults[endpoint].extend(Fault(kind, status) for _ in range(times))

    def give_inference_error(self, times: int = 1) -> None:
        with self.state.lock:
            self.state.inference_errors_to_give += times

    # Observations ---------------------------------------------------------
    def calls(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def check_times(self, key: str) -> list[float]:
        """When check/ calls with ``key`` arrived (all of them, whatever the answer)."""
        return [r.at for r in self.calls("check") if r.key == key]

    def rate_limited(self, key: str) -> int:
        """How many check/ calls the rate limit itself refused."""
        return sum(1 for r in self.calls("check") if r.key == key and r.status == 429 and r.fault is None)

    def minutes_left(self, key: str) -> float:
        with self.state.lock:
            return self.state.accounts[key].minutes_left

    # Request handling (called from the handler threads) -------------------
    def record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            queue = self._faults.get(request.endpoint)
            fault = queue.popleft() if queue else None
        request.fault = fault.kind if fault else None
        return fault

    def wait_hang(self) -> None:
        self._stopping.wait(self.hang_seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeLalalai:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake lalal.ai: %s", format % args)

    def do_POST(self) -> None:
        endpoint = ROUTES.get(self.path)
        if endpoint is None:
            self._drain()
            self._record = RecordedRequest("unknown", self.path, None, None, time.monotonic())
            self.fake.record(self._record)
            self._json(404, {"detail": "Not Found"})
            return
        key = self.headers.get("X-License-Key")
        upload = self._receive_upload() if endpoint == "upload" else None
        body = self._read_json() if upload is None else None
        self._record = RecordedRequest(endpoint, self.path, key, body, time.monotonic())
        fault = self.fake.record(self._record)
        if fault is not None:
            status = self._misbehave(fault)
        elif key not in self.fake.state.accounts:
            status = self._json(401, {"detail": "Invalid license key."})
        else:
            status = self._json(*self._dispatch(endpoint, key, body, upload))
        if isinstance(upload, Path) and status != 200:
            upload.unlink(missing_ok=True)

    def do_GET(self) -> None:
        match = _MEDIA.match(self.path)
        self._record = RecordedRequest("download", self.path, None, None, time.monotonic())
        fault = self.fake.record(self._record)
        if fault is not None and fault.kind != "cut_short":
            self._misbehave(fault)
            return
        path = self.fake.state.media_file(match["task"], match["name"]) if match else None
        if path is None:
            self._json(404, {"detail": "Not Found"})
            return
        data = path.read_bytes()
        self._record.status = 200  # before answering, so a test never sees it unset
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault is not None:  # cut short: promise everything, send half, hang up
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        else:
            self.wfile.write(data)

    def _dispatch(self, endpoint: str, key: str, body: Any, upload: Any) -> tuple[int, Any]:
        state = self.fake.state
        if endpoint == "upload":
            return upload if isinstance(upload, tuple) else self._describe_upload(key, upload)
        if isinstance(body, tuple):  # a JSON problem already turned into an answer
            return body
        if endpoint == "split":
            return state.split(key, body, multistem=self.path.endswith("multistem/"))
        if endpoint == "check":
            return state.check(key, body)
        if endpoint in ("cancel", "delete") and not isinstance(body, dict):
            return 422, {"detail": [{"loc": ["body"], "msg": "Field required", "type": "missing"}]}
        if endpoint == "cancel":
            return 200, state.cancel(key, [str(t) for t in body.get("task_ids", [])])
        if endpoint == "cancel_all":
            return 200, state.cancel_all(key)
        if endpoint == "delete":
            return state.delete(key, str(body.get("source_id", "")))
        return 200, {"minutes_left": self.fake.minutes_left(key)}

    def _describe_upload(self, key: str, path: Path) -> tuple[int, Any]:
        try:
            duration = soundfile.info(str(path)).duration
        except soundfile.LibsndfileError:
            return 400, {"detail": "The file is not a supported audio file."}
        return 200, self.fake.state.new_source(key, path, path.stat().st_size, duration)

    def _receive_upload(self) -> Path | tuple[int, Any]:
        """Stream the body to disk; an error answer if the headers are wrong."""
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return 411, {"detail": "Content-Length is required."}
        match = _FILENAME.match(self.headers.get("Content-Disposition", ""))
        suffix = Path(match["name"].strip()).suffix.lower() if match else ""
        path = self.fake.upload_dir / f"{uuid.uuid4()}{suffix}"
        with path.open("wb") as out:
            remaining = int(length)
            while remaining:
                chunk = self.rfile.read(min(_CHUNK, remaining))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        if match is None:
            path.unlink()
            return 400, {"detail": "Content-Disposition 'attachment; filename=...' is required."}
        return path

    def _read_json(self) -> Any:
        raw = self._drain()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return 422, {"detail": [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]}

    def _drain(self) -> bytes:
        length = self.headers.get("Content-Length", "0")
        return self.rfile.read(int(length)) if length.isdigit() else b""

    def _misbehave(self, fault: Fault) -> int:
        if fault.kind == "hang":
            self.fake.wait_hang()
            self.close_connection = True
            return 0
        if fault.kind == "malformed":
            return self._raw(200, b'{"result": {"oops"')
        if fault.kind == "missing_fields":
            return self._raw(200, b"{}")
        detail = "Too many requests" if fault.status == 429 else "Internal Server Error"
        return self._json(fault.status, {"detail": detail})

    def _json(self, status: int, payload: Any) -> int:
        return self._raw(status, json.dumps(payload).encode())

    def _raw(self, status: int, data: bytes) -> int:
        self._record.status = status  # before answering, so a test never sees it unset
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status
