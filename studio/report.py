"""What the studio page shows about a track's jobs: which job, its report, its stem levels."""

from __future__ import annotations

import uuid

from django.http import Http404

from audio.engines.registry import get_engine
from jobs.models import JobStatus, ProcessingJob

NEARLY_EMPTY_DB = -30.0  # a stem this far below the mix holds next to nothing
# Engines may report warnings as short codes; these are the words for them.
WARNING_WORDS = {
    "clipping": "A stem was louder than full scale and was limited.",
    "short_input": "The input is very short, so separation quality may be poor.",
    "silent_input": "The input is silent, so the stems are silent too.",
}


def job_pick(*, jobs: list[ProcessingJob], requested: str | None) -> ProcessingJob | None:
    """The job named by ``?job=`` (Http404 if it is not one of ``jobs``), else the
    newest completed one, else the newest."""
    if requested:
        try:
            wanted = uuid.UUID(requested)
        except ValueError as exc:
            raise Http404("No such job.") from exc
        for job in jobs:
            if job.id == wanted:
                return job
        raise Http404("No such job.")
    completed = [job for job in jobs if job.status == JobStatus.COMPLETED]
    return (completed or jobs or [None])[0]


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{_clock(value)} ({value:.1f} s)"


def job_input_seconds(job: ProcessingJob) -> float | None:
    """Seconds of audio the engine separated: what it reported, else the stems' length."""
    meta = job.result_meta or {}
    for key in ("input_seconds", "duration_seconds"):
        if isinstance(meta.get(key), (int, float)) and meta[key] > 0:
            return float(meta[key])
    lengths = [stem.duration_seconds for stem in job.stems.all() if stem.duration_seconds]
    return max(lengths) if lengths else None


def job_report(*, job: ProcessingJob) -> list[tuple[str, str]]:
    """(label, value) rows of the separation report, with units; only what is known."""
    meta = job.result_meta or {}
    rows = [("Engine", get_engine(job.engine).label), ("Model", meta.get("model") or job.model)]
    if meta.get("model_version"):
        rows.append(("Version", str(meta["model_version"])))
    if meta.get("device"):
        threads = meta.get("threads")
        rows.append(
            ("Device", f"{meta['device']}" + (f", {threads} thread{'s' if threads != 1 else ''}" if threads else ""))
        )
    rows.append(("Run", _run_words(job)))
    seconds = job_input_seconds(job)
    if seconds:
        rows.append(("Input duration", _seconds(seconds)))
    if meta.get("samplerate"):
        rows.append(("Sample rate", f"{meta['samplerate']} Hz"))
    if meta.get("normalise_gain_db") is not None:
        rows.append(("Normalisation", f"loudness-safe: all stems {meta['normalise_gain_db']:+.1f} dB"))
    runtime = meta.get("runtime_seconds", job.runtime_seconds)
    if isinstance(runtime, (int, float)):
        rows.append(("Runtime", _runtime_words(runtime, meta)))
        factor = meta.get("real_time_factor") or (runtime / seconds if seconds else None)
        if factor:
            pace = "faster than real time" if factor < 1 else "slower than real time"
            rows.append(("Real-time factor", f"{factor:.3f}× ({pace})"))
    return rows


def original_offset(job: ProcessingJob) -> float | None:
    """Where the stems start in the original, in seconds; None when unknown (an older preview)."""
    if not job.preview:
        return 0.0
    start = (job.result_meta or {}).get("preview_start_seconds")
    return float(start) if isinstance(start, (int, float)) else None


def _run_words(job: ProcessingJob) -> str:
    if not job.preview:
        return "full track"
    meta = job.result_meta or {}
    start, seconds = original_offset(job), meta.get("preview_seconds")
    if start is None or not isinstance(seconds, (int, float)):
        return "preview (excerpt)"
    where = f" ({meta['preview_from']})" if meta.get("preview_from") else ""
    return f"preview: {seconds:.1f} s from {_clock(start)}{where}"


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _runtime_words(runtime: float, meta: dict) -> str:
    parts = []
    if isinstance(meta.get("model_load_seconds"), (int, float)) and "warm" in meta:
        parts.append("model already loaded" if meta["warm"] else f"model loaded in {meta['model_load_seconds']:.2f} s")
    if isinstance(meta.get("separation_seconds"), (int, float)):
        parts.append(f"separation {meta['separation_seconds']:.2f} s")
    return f"{runtime:.2f} s" + (f" ({', '.join(parts)})" if parts else "")


def job_warnings(*, job: ProcessingJob) -> list[str]:
    """The engine's warnings as sentences."""
    warnings = (job.result_meta or {}).get("warnings") or []
    if isinstance(warnings, str):
        warnings = [warnings]
    return [WARNING_WORDS.get(str(warning), str(warning)) for warning in warnings]


def stem_levels(*, waveforms: dict | None) -> list[dict]:
    """Each stem's loudness against the mix, in words, for the report and the mixer."""
    levels = []
    for name, entry in sorted((waveforms or {}).get("stems", {}).items()):
        relative = entry.get("relative_db")
        if entry.get("silent") or relative is None:
            words, empty = "silent", True
        else:
            words, empty = f"{relative:+.1f} dB", relative < NEARLY_EMPTY_DB
        levels.append(
            {
                "stem_type": name,
                "relative_db": relative,
                "words": words,
                "empty": empty,
                "rms_dbfs": entry.get("rms_dbfs"),
            }
        )
    return levels
