"""Stance engines, chosen in YAML with `stance: {kind: NAME, ...options}`."""

from pathlib import Path
from typing import Any

from monitor.analysis.stance import llm as _llm  # noqa: F401  (registers the "llm" engine)
from monitor.analysis.stance import nli as _nli  # noqa: F401  (registers the "nli" engine)
from monitor.analysis.stance import rules as _rules  # noqa: F401  (registers the "rules" engine)
from monitor.analysis.stance import semantic as _semantic  # noqa: F401  (registers the "semantic" engine)
from monitor.analysis.stance.base import (
    ENGINES,
    BatchEngine,
    EngineOptions,
    Passage,
    Request,
    SentenceEngine,
    StanceEngine,
    judge_requests,
    register,
)

__all__ = [
    "ENGINES",
    "BatchEngine",
    "EngineOptions",
    "Passage",
    "Request",
    "SentenceEngine",
    "StanceEngine",
    "build_engine",
    "judge_requests",
    "register",
]


def build_engine(kind: str, options: dict[str, Any], base_dir: Path | None = None) -> StanceEngine:
    """Validate `options` and build the engine registered as `kind`.

    Raises KeyError for an unknown kind, pydantic.ValidationError for bad options, and ValueError when
    the engine cannot be built from valid options (e.g. a model directory that does not load).
    Relative paths in the options resolve against `base_dir` (the rules file's folder).
    """
    entry = ENGINES[kind]
    context = {"base_dir": base_dir} if base_dir is not None else None
    return entry.build(entry.options.model_validate(options, context=context))
