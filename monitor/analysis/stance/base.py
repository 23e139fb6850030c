"""The stance-engine interface and its registry, keyed by the YAML `stance.kind`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

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


Request = tuple[ClaimSpec, Sequence[Passage]]
"""A claim and some passages of one article, to be judged against it."""


@runtime_checkable
class BatchEngine(Protocol):
    """An engine that judges many requests (claims with passages of several articles) at once, with
    fewer model calls than `judge_many` on each; its answers are those of `judge_many` on each."""

    def judge_batch(self, requests: Sequence[Request]) -> list[list[Judgement]]: ...


def judge_requests(engine: StanceEngine, requests: Sequence[Request]) -> list[list[Judgement]]:
    """`engine.judge_many` of each request, in one `judge_batch` call where the engine has one."""
    if isinstance(engine, BatchEngine):
        return engine.judge_batch(requests)
    return [engine.judge_many(claim, passages) for claim, passages in requests]


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
