"""LocalEngine: the Engine interface of base.py on top of a supervised runner.

Configuration comes from the constructor (nothing is read from Django settings
here); each OS process that uses the engine gets its own runner.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path

from audio.engines.base import (
    EngineAccount,
    EngineRejectedInput,
    ModelState,
    Preference,
    ProgressCallback,
    SeparationRequest,
    SeparationResult,
)
from audio.engines.local.availability import model_states
from audio.engines.local.catalog import MODEL_STEMS
from audio.engines.local.process import RUNNER_MODULE, RunnerConfig
from audio.engines.local.protocol import SeparateRequest
from audio.engines.local.supervisor import RunnerSupervisor


def threads_per_job(concurrency: int, cpu_count: int | None = None) -> int:
    """Torch threads for one job so ``concurrency`` jobs do not oversubscribe the cores."""
    return max(1, (cpu_count or os.cpu_count() or 1) // max(1, concurrency))


class LocalEngine:
    """Demucs and Spleeter models run by a warm, supervised subprocess.

    ``concurrency``: jobs expected to run at once on this machine (torch threads
    per runner = cpu_count // concurrency); ``timeout``: DEMUCS_TIMEOUT seconds
    (see supervisor for how it stretches); ``model_dir``: DEMUCS_MODEL_DIR;
    ``device``: auto, cpu or cuda; ``cache_size``: models kept loaded;
    ``python``, ``env`` and ``runner_module``: interpreter, extra environment and
    module of the runner.
    """

    name = "local"
    label = "Local (Demucs / Spleeter)"
    preferences = (
        Preference(
            "model", "Local model", "choice", default="htdemucs", choices=tuple((name, name) for name in MODEL_STEMS)
        ),
    )
    account: EngineAccount | None = None
    remote = False

    def __init__(
        self,
        *,
        concurrency: int = 2,
        timeout: float = 300.0,
        model_dir: Path | str | None = None,
        device: str = "auto",
        cache_size: int = 2,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        runner_module: str = RUNNER_MODULE,
    ):
        config = RunnerConfig(
            threads=threads_per_job(concurrency),
            device=device,
            model_dir=Path(model_dir) if model_dir else None,
            cache_size=cache_size,
            env=dict(env or {}),
            module=runner_module,
            **({"python": python} if python else {}),
        )
        self.supervisor = RunnerSupervisor(config, timeout=timeout)

    def models(self) -> dict[str, list[str]]:
        return {name: list(stems) for name, stems in MODEL_STEMS.items()}

    def model_states(self, *, own_credentials: bool) -> dict[str, ModelState]:
        return model_states(model_dir=self.supervisor.config.model_dir)

    def preference_problems(self, values: Mapping[str, object]) -> dict[str, str]:
        return {}

    def job_choices(self, values: Mapping[str, object]) -> tuple[str, dict]:
        return str(values["model"]), {}

    def separate(
        self, request: SeparationRequest, *, progress: ProgressCallback, cancel: threading.Event
    ) -> SeparationResult:
        """Separate ``request.input_path`` into ``request.work_dir``.

        Raises the EngineError subclasses listed on RunnerSupervisor.run.
        """
        if not request.input_path.is_file():
            raise EngineRejectedInput(f"Input file {request.input_path.name} does not exist.")
        job = SeparateRequest(
            id=uuid.uuid4().hex,
            input=str(request.input_path.resolve()),
            output_dir=str(request.work_dir.resolve()),
            model=request.model,
            stems=request.stems,
            format=request.output_format,
        )
        outcome = self.supervisor.run(job, progress=progress, cancel=cancel, input_seconds=request.input_seconds)
        return SeparationResult(stems=outcome.stems, meta={"engine": self.name, **outcome.meta}, levels=outcome.levels)

    def close(self) -> None:
        """Stop the runner process (a later job starts it again)."""
        self.supervisor.stop()
