"""The stance-engine interface and its registry, keyed by the YAML `stance.kind`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from monitor.domain import ClaimSpec, Judgement


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence offered to an engine, with the sentence before it as context.

    `matched` is True when the keyword matcher found the claim's entity and keyword in it (or an
    anaphor right after such a sentence). Engines that read the whole article also get the other
    sentences of an article that names the claim's entity, with `matched=False`.
    """

    text: str
    context: str | None = None
    matched: bool = True


class StanceEngine(Protocol):
    """Judges what one sentence says about one claim.

    `judge` takes a sentence already matched to the claim and the sentence before it (or None);
    `judge_many` judges several passages of one article at once (engines with a model batch them).
    Neither raises on odd input. `reads_whole_article` asks the analyzer for every sentence of an
    article that names the claim, not only the keyword matches.
    """

    name: str
    reads_whole_article: bool

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement: ...

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]: ...


class SentenceEngine:
    """Base for engines that judge one sentence at a time: `judge_many` loops over `judge`."""

    name: str = "sentence"
    reads_whole_article: bool = False

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        raise NotImplementedError

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        return [self.judge(claim, p.text, p.context) for p in passages]


class EngineOptions(BaseModel):
    """Options of a stance engine, from the YAML `stance:` mapping (minus `kind`). Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class EngineKind:
    """A registered engine: its options model (checked when the rules load) and how to build it
    (done once, when the app starts: engines with a model load it then)."""

    options: type[EngineOptions]
    build: Callable[[Any], StanceEngine]


ENGINES: dict[str, EngineKind] = {}

_Build = TypeVar("_Build", bound=Callable[..., StanceEngine])


def register(kind: str, options: type[EngineOptions] = EngineOptions) -> Callable[[_Build], _Build]:
    """Decorator on a builder taking the validated options: `stance: {kind: KIND, ...}` in YAML."""

    def wrap(build: _Build) -> _Build:
        ENGINES[kind] = EngineKind(options, build)
        return build

    return wrap
