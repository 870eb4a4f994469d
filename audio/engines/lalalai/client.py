"""HTTP calls to lalal.ai's v1 API, with timeouts, retries and checked answers.

A client is bound to one licence key. It is not shared between threads: each
job and each poller thread makes its own (they are cheap).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from audio.engines.base import EngineError, EngineTimeout, EngineUnavailable
from audio.engines.lalalai import answers
from audio.engines.lalalai.answers import TaskStatus, UploadInfo
from audio.engines.lalalai.keys import key_fingerprint
from audio.engines.lalalai.retry import RetryPolicy, Timeouts

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.lalal.ai/api/v1/"
_CHUNK = 64 * 1024
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


class _RetryableAnswer(Exception):
    """An answer worth another try (429, 5xx, cut-short download)."""

    def __init__(self, error: EngineError, retry_after: float | None = None):
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class LalalaiClient:
    def __init__(
        self,
        *,
        license_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
    ):
        self._license_key = license_key
        self.fingerprint = key_fingerprint(license_key)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeouts = timeouts
        self.retry = retry
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"LalalaiClient(base_url={self.base_url!r}, key={self.fingerprint})"

    def clone(self) -> LalalaiClient:
        """A new client with the same key and settings (for another thread)."""
        return LalalaiClient(
            license_key=self._license_key, base_url=self.base_url, timeouts=self.timeouts, retry=self.retry
        )

    def close(self) -> None:
        self._session.close()

    def upload(self, path: Path) -> UploadInfo:
        """Upload ``path``, streaming it from disk."""
        safe_name = _UNSAFE_NAME_CHARS.sub("_", path.name) or "source"
        headers = {
            "Content-Disposition": f"attachment; filename={safe_name}",
            "Content-Type": "application/octet-stream",
        }
        body = self._call("upload", "upload/", file_path=path, headers=headers)
        return answers.parse_upload(body)

    def split(self, endpoint: str, source_id: str, presets: dict, idempotency_key: str) -> str:
        """Start a split task; the idempotency key makes a retried start safe."""
        payload = {"source_id": source_id, "presets": presets, "idempotency_key": idempotency_key}
        return answers.parse_task_id(self._call("split", endpoint, json=payload))

    def check(self, task_ids: list[str], *, before_attempt: Callable[[], None] | None = None) -> dict[str, TaskStatus]:
        """Status of many tasks in one request; ``before_attempt`` runs before
        every attempt (the shared rate limiter)."""
        body = self._call("check", "check/", json={"task_ids": task_ids}, before_attempt=before_attempt)
        return answers.parse_check(body)

    def cancel(self, task_ids: list[str]) -> dict[str, bool]:
        return answers.parse_cancel(self._call("cancel", "cancel/", json={"task_ids": task_ids}))

    def cancel_all(self) -> dict[str, bool]:
        return answers.parse_cancel(self._call("cancel all", "cancel/all/"))

    def delete(self, source_id: str) -> None:
        answers.parse_empty(self._call("delete", "delete/", json={"source_id": source_id}), "delete")

    def minutes_left(self) -> float:
        return answers.parse_minutes_left(self._call("minutes left", "limits/minutes_left/"))

    def download(self, url: str, dest: Path, *, what: str) -> int:
        """Stream ``url`` into ``dest``; return its size. No partial file is
        left behind on failure. The licence key is not sent to download hosts."""
        return self._with_retries(what, lambda: self._download_once(url, dest, what))

    def _call(self, what: str, path: str, *, before_attempt: Callable[[], None] | None = None, **send_args: Any) -> Any:
        def attempt() -> Any:
            if before_attempt is not None:
                before_attempt()
            return self._answer(what, self._send(path, **send_args))

        return self._with_retries(what, attempt)

    def _with_retries(self, what: str, attempt: Callable[[], Any]) -> Any:
        attempts = max(1, self.retry.attempts)
        for number in range(1, attempts + 1):
            try:
                return attempt()
            except _RetryableAnswer as exc:
                failure, retry_after = exc.error, exc.retry_after
            except requests.Timeout:
                failure, retry_after = (
                    EngineTimeout(f"lalal.ai did not answer the {what} request in time ({attempts} attempt(s))."),
                    None,
                )
            except requests.ConnectionError:
                failure, retry_after = (
                    EngineUnavailable(
                        f"Could not connect to lalal.ai for the {what} request "
                        f"({attempts} attempt(s)); check the network and try again."
                    ),
                    None,
                )
            logger.warning(
                "lalal.ai %s failed (attempt %d of %d, key %s): %s",
                what,
                number,
                attempts,
                self.fingerprint,
                failure.message,
            )
            if number < attempts:
                self.retry.wait(number, retry_after)
        raise failure

    def _send(
        self, path: str, *, json: Any = None, file_path: Path | None = None, headers: dict | None = None
    ) -> requests.Response:
        all_headers = {"X-License-Key": self._license_key, **(headers or {})}
        url = self.base_url + path
        if file_path is None:
            return self._session.post(url, json=json, headers=all_headers, timeout=self.timeouts.as_requests())
        with file_path.open("rb") as body:
            return self._session.post(url, data=body, headers=all_headers, timeout=self.timeouts.as_requests())

    def _answer(self, what: str, response: requests.Response) -> Any:
        status = response.status_code
        logger.debug("lalal.ai %s -> HTTP %d (key %s)", what, status, self.fingerprint)
        if status == 429:
            raise _RetryableAnswer(
                EngineUnavailable(
                    f"lalal.ai is limiting the rate of {what} requests and kept refusing; try again in a minute."
                ),
                _retry_after(response),
            )
        if status >= 500:
            raise _RetryableAnswer(
                EngineUnavailable(
                    f"lalal.ai had a server error (HTTP {status}) on the {what} request; try again later."
                ),
                _retry_after(response),
            )
        try:
            body = response.json()
        except ValueError:
            if status >= 400:
                raise answers.refusal(status, None, what) from None
            raise answers.malformed(what, "not JSON") from None
        if status >= 400:
            raise answers.refusal(status, body, what)
        return body

    def _download_once(self, url: str, dest: Path, what: str) -> int:
        try:
            with self._session.get(url, stream=True, timeout=self.timeouts.as_requests()) as resp:
                self._check_download_status(resp, what)
                expected = _content_length(resp, what)
                written = _write_stream(resp, dest)
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
            dest.unlink(missing_ok=True)
            if isinstance(exc, requests.Timeout):
                raise
            raise _RetryableAnswer(EngineUnavailable(f"The {what} from lalal.ai was cut short; try again.")) from exc
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        if expected is not None and written != expected:
            dest.unlink(missing_ok=True)
            raise _RetryableAnswer(
                EngineUnavailable(f"The {what} from lalal.ai was cut short ({written} of {expected} bytes); try again.")
            )
        return written

    def _check_download_status(self, resp: requests.Response, what: str) -> None:
        logger.debug("lalal.ai download %s -> HTTP %d", what, resp.status_code)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _RetryableAnswer(
                EngineUnavailable(f"lalal.ai could not serve the {what} (HTTP {resp.status_code}); try again later."),
                _retry_after(resp),
            )
        if resp.status_code != 200:
            raise EngineUnavailable(
                f"lalal.ai no longer has the file for the {what} (HTTP {resp.status_code}); run the separation again."
            )


def _write_stream(resp: requests.Response, dest: Path) -> int:
    written = 0
    with dest.open("wb") as out:
        for chunk in resp.iter_content(_CHUNK):
            out.write(chunk)
            written += len(chunk)
    return written


def _content_length(resp: requests.Response, what: str) -> int | None:
    raw = resp.headers.get("Content-Length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise answers.malformed(f"the {what}", "bad Content-Length")
    return int(raw)


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    return float(raw) if raw.isdigit() else None
