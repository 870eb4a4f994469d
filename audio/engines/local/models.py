"""Loading local models by name, and the runner's warm cache of loaded models.

Every loaded model has the separator interface: ``name``, ``version``,
``samplerate``, ``sources`` and ``separate(mix, progress) -> {source: tensor}``.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio.engines.base import EngineUnavailable
from audio.engines.local.catalog import MODEL_STEMS, SPLEETER_MODELS, check_model

logger = logging.getLogger(__name__)


def load_model(name: str, *, model_dir: Path | None, device: str) -> Any:
    """Load one of the catalog's models; raise EngineUnavailable without weights."""
    check_model(name)
    if name in SPLEETER_MODELS:
        from audio.engines.local.spleeter.separator import SpleeterSeparator

        model = SpleeterSeparator.load(weights_dir=None, device=device)
    else:
        from audio.engines.local.demucs_models import load_demucs

        model = load_demucs(name, model_dir, device)
    if tuple(model.sources) != MODEL_STEMS[name]:
        raise EngineUnavailable(
            f"The weights found for {name!r} produce {', '.join(model.sources)}, not {', '.join(MODEL_STEMS[name])}."
        )
    return model


@dataclass(frozen=True)
class CachedModel:
    model: Any
    load_seconds: float
    warm: bool


class ModelCache:
    """Keeps the ``capacity`` most recently used models loaded."""

    def __init__(self, capacity: int, *, model_dir: Path | None, device: str):
        self.capacity = max(1, capacity)
        self.model_dir = model_dir
        self.device = device
        self._models: OrderedDict[str, Any] = OrderedDict()

    def get(self, name: str) -> CachedModel:
        """The loaded model, loading it (and evicting the least recent) if needed."""
        if name in self._models:
            self._models.move_to_end(name)
            return CachedModel(self._models[name], 0.0, True)
        started = time.monotonic()
        model = load_model(name, model_dir=self.model_dir, device=self.device)
        while len(self._models) >= self.capacity:
            evicted, _ = self._models.popitem(last=False)
            logger.info("evicted model %s from the warm cache", evicted)
        self._models[name] = model
        return CachedModel(model, time.monotonic() - started, False)

    def names(self) -> list[str]:
        return list(self._models)
