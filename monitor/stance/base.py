"""The stance-engine interface and its registry, keyed by the YAML `stance.kind`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from monitor.domain import ClaimSpec, Judgement


class StanceEngine(Protocol):
    """Judges what one sentence says about one claim.

    `sentence` is a sentence already matched to the claim; `context` is the sentence before it in
    the same article (or None). Returns a Judgement; never raises on odd input.
    """

    name: str

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement: ...


EngineFactory = Callable[[dict[str, Any]], StanceEngine]

ENGINES: dict[str, EngineFactory] = {}


def register(kind: str) -> Callable[[EngineFactory], EngineFactory]:
    """Class/function decorator: make an engine available as `stance: {kind: ...}` in YAML."""

    def wrap(factory: EngineFactory) -> EngineFactory:
        ENGINES[kind] = factory
        return factory

    return wrap
