"""Runs lalal.ai jobs in a process of its own, for the cross-process rate test.

Usage: python lalalai_jobs_process.py <json settings>
Writes a JSON list to stdout: per job, the stems it produced or its error.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from audio.engines.base import EngineError, SeparationRequest
from audio.engines.lalalai import LalalaiEngine, RateLimit, RetryPolicy


def _job(engine: LalalaiEngine, request: SeparationRequest, outcome: dict) -> None:
    try:
        result = engine.separate(request, progress=lambda _p: None, cancel=threading.Event())
        outcome["stems"] = sorted(result.stems)
    except EngineError as exc:
        outcome["error"] = exc.message


def main(settings: dict) -> list[dict]:
    engine = LalalaiEngine(
        base_url=settings["base_url"],
        redis_url=settings["redis_url"],
        redis_prefix=settings["redis_prefix"],
        poll_interval=0.02,
        check_rate=RateLimit(*settings["rate"]),
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
    )
    outcomes: list[dict] = [{} for _ in range(settings["jobs"])]
    threads = []
    for number, outcome in enumerate(outcomes):
        work_dir = Path(settings["work_root"]) / f"job{number}"
        work_dir.mkdir(parents=True)
        request = SeparationRequest(
            input_path=Path(settings["input"]),
            work_dir=work_dir,
            model="auto",
            stems="two",
            credentials=settings["license_key"],
        )
        threads.append(threading.Thread(target=_job, args=(engine, request, outcome)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(json.loads(sys.argv[1]))))
