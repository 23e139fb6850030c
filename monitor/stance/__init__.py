"""Stance engines, chosen in YAML with `stance: {kind: NAME}`."""

from monitor.stance import rules as _rules  # noqa: F401  (registers the "rules" engine)
from monitor.stance.base import ENGINES, StanceEngine, register

__all__ = ["ENGINES", "StanceEngine", "build_engine", "register"]


def build_engine(kind: str, options: dict[str, object]) -> StanceEngine:
    """Build the engine registered as `kind`.

    Raises KeyError for an unknown kind, ValueError for bad options.
    """
    return ENGINES[kind](dict(options))
