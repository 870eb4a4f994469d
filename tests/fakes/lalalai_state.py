"""What the fake lalal.ai server knows and how its endpoints answer.

The answers follow lalal.ai's v1 OpenAPI document (shapes, status values,
error codes). The document does not describe a bad licence key; this fake
answers it with 401 and a ``detail`` message, as most APIs do.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.lalalai_audio import SUPPORTED, write_tone

STEMS = ("vocals", "drum", "piano", "bass", "electric_guitar", "acoustic_guitar", "synthesizer", "strings", "wind")
MULTISTEM_STEMS = STEMS[:6]
PHOENIX_ONLY = ("synthesizer", "strings", "wind")
SPLITTERS = ("andromeda", "perseus", "orion", "phoenix", "lyra")
ENCODERS = ("mp3", "wav", "flac", "aac", "ogg")
LEVELS = ("deep_extraction", "clear_cut")
_COMMON_PRESETS = {"splitter", "dereverb_enabled", "encoder_format", "extraction_level"}

Answer = tuple[int, Any]


def missing(*loc: str) -> Answer:
    return 422, {"detail": [{"loc": ["body", *loc], "msg": "Field required", "type": "missing"}]}


def invalid(*loc: str) -> Answer:
    return 422, {"detail": [{"loc": ["body", *loc], "msg": "Input is not valid", "type": "value_error"}]}


@dataclass
class Source:
    id: str
    key: str
    path: Path
    size: int
    duration: int
    deleted: bool = False


@dataclass
class Task:
    id: str
    key: str
    source: Source
    labels: list[str]
    presets: dict
    state: str = "progress"
    checks: int = 0
    inference_error: bool = False
    files: dict[str, Path] = field(default_factory=dict)


@dataclass
class Account:
    minutes_left: float
    checks: deque = field(default_factory=deque)  # times of accepted check/ calls


class LalalaiState:
    """Keys, sources and tasks, guarded by one lock."""

    def __init__(self, media_dir: Path):
        self.lock = threading.Lock()
        self.media_dir = media_dir
        self.media_url = ""  # set by the server once it knows its port
        self.accounts: dict[str, Account] = {}
        self.sources: dict[str, Source] = {}
        self.tasks: dict[str, Task] = {}
        self.idempotency: dict[str, str] = {}
        self.check_limit = 20
        self.check_window = 60.0
        self.checks_to_finish = 3
        self.max_duration: int | None = None
        self.max_size: int | None = None
        self.inference_errors_to_give = 0
        self.sent_format: str | None = None  # results in this format whatever was asked (lalal.ai's choice)

    def add_key(self, key: str, minutes: float = 600.0) -> None:
        with self.lock:
            self.accounts[key] = Account(minutes_left=minutes)

    def new_source(self, key: str, path: Path, size: int, duration: float) -> dict:
        source = Source(str(uuid.uuid4()), key, path, size, math.ceil(duration))
        with self.lock:
            self.sources[source.id] = source
        return {
            "id": source.id,
            "name": path.name,
            "size": size,
            "duration": source.duration,
            "expires": int(time.time()) + 86400,
        }

    def split(self, key: str, body: Any, multistem: bool) -> Answer:
        problem = _check_split_body(body, multistem)
        if problem:
            return problem
        with self.lock:
            source = self.sources.get(body["source_id"])
            if source is None or source.key != key or source.deleted:
                return 400, {
                    "detail": "The file has not been uploaded properly or has "
                    "already been deleted. Please upload it again."
                }
            presets = body["presets"]
            labels = list(presets["stem_list"]) if multistem else [presets["stem"]]
            reused = self._reuse(body.get("idempotency_key"))
            if reused is not None:
                return reused
            return self._start(key, source, labels, presets, body.get("idempotency_key"))

    def _reuse(self, idempotency_key: str | None) -> Answer | None:
        task = self.tasks.get(self.idempotency.get(idempotency_key or "", ""))
        if task is None:
            return None
        if task.checks == 0:
            return 200, {"task_id": task.id}
        return 400, {"detail": "Idempotency key has already been used.", "code": "idempotency_key_used"}

    def _start(self, key: str, source: Source, labels: list[str], presets: dict, idempotency_key: str | None) -> Answer:
        account = self.accounts[key]
        minutes = source.duration / 60 * len(labels)
        if self.max_duration is not None and source.duration > self.max_duration:
            return 400, {"detail": "The file is too long for your plan.", "code": "max_duration"}
        if self.max_size is not None and source.size > self.max_size:
            return 400, {"detail": "The file is too big for your plan.", "code": "exceeded_size"}
        if minutes > account.minutes_left:
            return 400, {"detail": "Not enough minutes left.", "code": "exceeded_duration"}
        account.minutes_left -= minutes
        task = Task(str(uuid.uuid4()), key, source, labels, presets)
        if self.inference_errors_to_give > 0:
            self.inference_errors_to_give -= 1
            task.inference_error = True
        self.tasks[task.id] = task
        if idempotency_key:
            self.idempotency[idempotency_key] = task.id
        return 200, {"task_id": task.id}

    def check(self, key: str, body: Any) -> Answer:
        if not isinstance(body, dict) or "task_ids" not in body:
            return missing("task_ids")
        if not isinstance(body["task_ids"], list):
            return invalid("task_ids")
        with self.lock:
            if not self._take_check_slot(self.accounts[key]):
                return 429, {"detail": "Too many requests. Check is limited per licence key."}
            return 200, {"result": {tid: self._advance(key, tid) for tid in body["task_ids"]}}

    def _take_check_slot(self, account: Account) -> bool:
        now = time.monotonic()
        while account.checks and account.checks[0] <= now - self.check_window:
            account.checks.popleft()
        if len(account.checks) >= self.check_limit:
            return False
        account.checks.append(now)
        return True

    def _advance(self, key: str, task_id: str) -> dict:
        task = self.tasks.get(task_id)
        if task is None or task.key != key:
            return {"status": "server_error", "error": "Failed to extract information about task"}
        if task.state == "progress":
            task.checks += 1
            if task.checks >= self.checks_to_finish:
                task.state = "error" if task.inference_error else "success"
        return self._describe(task)

    def _describe(self, task: Task) -> dict:
        common = {"source_id": task.source.id, "presets": {**task.presets, "task_type": "split"}}
        if task.state == "progress":
            progress = min(99, task.checks * 100 // self.checks_to_finish)
            return {**common, "status": "progress", "progress": progress}
        if task.state == "error":
            return {
                **common,
                "status": "error",
                "error": {
                    "code": "inference_error",
                    "id": task.id,
                    "detail": "Unable to detect the stem in the uploaded file",
                },
            }
        if task.state == "cancelled":
            return {**common, "status": "cancelled"}
        return {
            **common,
            "status": "success",
            "result": {"duration": task.source.duration, "tracks": self._tracks(task)},
        }

    def _tracks(self, task: Task) -> list[dict]:
        back = "no_multistem" if "stem_list" in task.presets else "no_" + task.labels[0]
        ext = task.presets.get("encoder_format") or task.source.path.suffix.lstrip(".")
        ext = ext if ext in SUPPORTED else "wav"
        tracks = []
        for kind, label in [*(("stem", name) for name in task.labels), ("back", back)]:
            path = task.files.get(label)
            if path is None:
                path = self.media_dir / task.id / f"{label}.{ext}"
                path.parent.mkdir(parents=True, exist_ok=True)
                write_tone(path, self.sent_format or ext, frequency=220.0 + 40 * len(tracks))
                task.files[label] = path
            tracks.append(
                {
                    "type": kind,
                    "label": label,
                    "size": path.stat().st_size,
                    "url": f"{self.media_url}/{task.id}/{path.name}",
                }
            )
        return tracks

    def cancel(self, key: str, task_ids: list[str]) -> dict:
        with self.lock:
            return {"result": {tid: self._cancel_one(key, tid) for tid in task_ids}}

    def cancel_all(self, key: str) -> dict:
        with self.lock:
            running = [t.id for t in self.tasks.values() if t.key == key and t.state == "progress"]
            return {"result": {tid: self._cancel_one(key, tid) for tid in running}}

    def _cancel_one(self, key: str, task_id: str) -> dict:
        task = self.tasks.get(task_id)
        if task is None or task.key != key:
            return {"status": "server_error", "error": "Failed to extract information about task"}
        if task.state != "progress":
            return {"status": "server_error", "error": "Task is not in progress state"}
        task.state = "cancelled"
        return {"status": "success"}

    def delete(self, key: str, source_id: str) -> Answer:
        with self.lock:
            source = self.sources.get(source_id)
            if source is None or source.key != key:
                return 400, {"detail": "Source file not found."}
            source.deleted = True
            for task in self.tasks.values():
                if task.source is source and task.state == "progress":
                    task.state = "cancelled"
            source.path.unlink(missing_ok=True)
            return 200, {}

    def media_file(self, task_id: str, name: str) -> Path | None:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task.source.deleted:
                return None
            return next((p for p in task.files.values() if p.name == name), None)


def _check_split_body(body: Any, multistem: bool) -> Answer | None:
    if not isinstance(body, dict):
        return invalid()
    for name in ("source_id", "presets"):
        if name not in body:
            return missing(name)
    presets = body["presets"]
    if not isinstance(body["source_id"], str) or not isinstance(presets, dict):
        return invalid()
    allowed = _COMMON_PRESETS | ({"stem_list"} if multistem else {"stem", "multivocal"})
    extra = set(presets) - allowed
    if extra or set(body) - {"source_id", "presets", "idempotency_key"}:
        return invalid("presets", *sorted(extra))
    if presets.get("splitter") not in (None, *SPLITTERS):
        return invalid("presets", "splitter")
    if presets.get("encoder_format") not in (None, *ENCODERS):
        return invalid("presets", "encoder_format")
    if presets.get("extraction_level", LEVELS[0]) not in LEVELS:
        return invalid("presets", "extraction_level")
    if not isinstance(presets.get("dereverb_enabled", False), bool):
        return invalid("presets", "dereverb_enabled")
    return _check_stems(presets, multistem)


def _check_stems(presets: dict, multistem: bool) -> Answer | None:
    if multistem:
        stems = presets.get("stem_list")
        if stems is None:
            return missing("presets", "stem_list")
        if not isinstance(stems, list) or not 1 <= len(stems) <= 6 or any(s not in MULTISTEM_STEMS for s in stems):
            return invalid("presets", "stem_list")
        return None
    if "stem" not in presets:
        return missing("presets", "stem")
    if presets["stem"] not in STEMS:
        return invalid("presets", "stem")
    if presets["stem"] in PHOENIX_ONLY and presets.get("splitter") != "phoenix":
        return 400, {"detail": f"Stem {presets['stem']} is available only with phoenix."}
    return None
