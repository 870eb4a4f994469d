"""Engine name -> the engine instance of this process, configured from settings.

Each OS process (a Celery worker child, a management command) builds an engine
once, on first use, and keeps it: the local engine's runner stays warm.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings

from audio.engines.base import Engine, EngineRejectedInput


def _local() -> Engine:
    from audio.engines.local.engine import LocalEngine

    return LocalEngine(
        concurrency=settings.CELERY_WORKER_CONCURRENCY,
        timeout=settings.DEMUCS_TIMEOUT,
        model_dir=settings.DEMUCS_MODEL_DIR,
        device=settings.SEPARATION_DEVICE,
    )


def _lalalai() -> Engine:
    from audio.engines.lalalai import LalalaiEngine

    return LalalaiEngine(
        base_url=settings.LALALAI_BASE_URL,
        redis_url=settings.REDIS_URL,
        system_key=settings.SYSTEM_LALALAI_ACTIVATION_KEY or None,
        max_seconds=settings.LALALAI_MAX_TRACK_SECONDS or None,
    )


FACTORIES: dict[str, Callable[[], Engine]] = {"local": _local, "lalalai": _lalalai}
ENGINE_NAMES = tuple(FACTORIES)
_instances: dict[str, Engine] = {}
_lock = threading.Lock()


def all_engines() -> list[Engine]:
    return [get_engine(name) for name in FACTORIES]


def get_engine(name: str) -> Engine:
    """The engine called ``name``; raises EngineRejectedInput for an unknown name."""
    if name not in FACTORIES:
        raise EngineRejectedInput(f"Unknown engine {name!r}; choose one of: {', '.join(FACTORIES)}.")
    with _lock:
        if name not in _instances:
            _instances[name] = FACTORIES[name]()
        return _instances[name]
