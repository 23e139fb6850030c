"""Issue 19's model pass: each sentence encoded once (`context: neighbours`), a poll's batch analysed at
once (`Analyzer.analyze_many`), dynamic int8 as an option. The real MiniLM and inference models."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from monitor.analysis.analyzer import Analyzer
from monitor.analysis.embeddings import Encoder
from monitor.analysis.match import claim_from_text
from monitor.analysis.stance import build_engine
from monitor.analysis.stance.base import Passage, judge_requests
from monitor.analysis.stance.rules import RulesEngine
from monitor.analysis.stance.semantic import SemanticEngine, SemanticOptions, encode
from monitor.config.rules import load_rules
from monitor.domain import Article, RawDocument
from monitor.ingest.article import to_article
from monitor.ingest.documents import parse

SEEDS = Path(__file__).parent.parent / "seeds"
CONFIG = Path(__file__).parent.parent / "config" / "monitor.yaml"


@pytest.fixture(scope="module")
def engine() -> SemanticEngine:
    built = build_engine("semantic", {})
    assert isinstance(built, SemanticEngine)
    return built


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    """The five seeds, one of them twice (a repeated text in a batch), and one about nothing tracked."""
    seeds = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = parse(path.name, path.read_bytes())[0]
        when = datetime(2024, 10, 20, tzinfo=UTC)
        seeds.append(
            to_article(RawDocument("seeds", path.name, "-", doc.title, doc.body, when, None, doc.outlet))
        )
    unrelated = dataclasses.replace(seeds[0], key="weather", text="Rain is expected on Tuesday in Lyon.")
    return [*seeds, seeds[1], unrelated]


def fresh(engine: SemanticEngine) -> SemanticEngine:
    """The engine with its models' caches emptied: the next answers are computed, not remembered."""
    engine.encoder.clear()
    engine.inference.clear()
    return engine


def test_the_default_encodes_each_sentence_once_with_the_context_from_its_neighbour() -> None:
    options = SemanticOptions()
    assert options.context == "neighbours" and options.quantize == "none"


def test_neighbours_context_is_the_normalised_sum_of_the_two_vectors(engine: SemanticEngine) -> None:
    claim = claim_from_text("c", "North Korea sent troops to Russia.")
    passages = [
        Passage("Thousands of them arrived last week.", "North Korea sent soldiers to Russia, Seoul said."),
        Passage("North Korean troops are in Kursk.", None),
    ]
    encoded = encode(engine.encoder, claim, passages, "neighbours")
    c, first, previous, second = Encoder().encode(
        [claim.text, passages[0].text, passages[0].context or "", passages[1].text]
    )
    joined = (previous + first) / np.linalg.norm(previous + first)
    assert encoded.sims[0] == pytest.approx([first @ c, joined @ c], abs=1e-5)
    assert encoded.sims[1] == pytest.approx([second @ c, second @ c], abs=1e-5)  # no context: itself
    np.testing.assert_allclose(encoded.sentences, np.stack([first, second]), atol=1e-5)


def test_joined_context_encodes_the_previous_sentence_and_the_sentence_as_one_text(
    engine: SemanticEngine,
) -> None:
    claim = claim_from_text("c", "North Korea sent troops to Russia.")
    passage = Passage("Thousands of them arrived last week.", "North Korea sent soldiers to Russia.")
    encoded = encode(engine.encoder, claim, [passage], "joined")
    c, together = Encoder().encode([claim.text, f"{passage.context} {passage.text}"])
    assert float(encoded.sims[0, 1]) == pytest.approx(float(together @ c), abs=1e-5)


def test_options_are_checked() -> None:
    assert SemanticOptions.model_validate({"quantize": True}).quantize == "all"
    assert SemanticOptions.model_validate({"quantize": False}).quantize == "none"
    assert SemanticOptions.model_validate({"quantize": "embeddings", "context": "joined"}).context == "joined"
    for bad in ({"context": "sentences"}, {"quantize": "int4"}, {"quantize": 8}):
        with pytest.raises(ValidationError):
            SemanticOptions.model_validate(bad)


@pytest.mark.parametrize("context", ["neighbours", "joined"])
def test_analyze_many_equals_analyze_on_each_article(
    engine: SemanticEngine, articles: list[Article], context: str
) -> None:
    rules = load_rules(CONFIG)
    engine.context = "joined" if context == "joined" else "neighbours"
    try:
        analyzer = Analyzer(rules.topics, rules.claims, fresh(engine))
        together = analyzer.analyze_many(articles)
        fresh(engine)
        alone = [analyzer.analyze(a) for a in articles]
    finally:
        engine.context = "neighbours"
    assert together == alone
    assert sum(len(a.verdicts) for a in alone) >= 5 and alone[-1].verdicts == ()
    assert analyzer.analyze_many([]) == []


def test_judge_batch_equals_judge_many_and_other_engines_answer_request_by_request(
    engine: SemanticEngine,
) -> None:
    troops = claim_from_text("t", "North Korea sent troops to Russia.")
    talks = claim_from_text("k", "Kim Jong Un met Vladimir Putin in Moscow.")
    passages = [
        Passage("Pyongyang has denied sending soldiers.", "Reports said troops had arrived."),
        Passage("Kim and Putin met in Moscow on Friday.", None),
        Passage("42", None),  # no letters: judged unrelated without a model
    ]
    requests = [(troops, passages), (talks, passages[1:]), (troops, [])]
    batched = judge_requests(fresh(engine), requests)
    fresh(engine)
    assert batched == [engine.judge_many(claim, p) for claim, p in requests]
    rules = RulesEngine()
    assert judge_requests(rules, requests) == [rules.judge_many(claim, p) for claim, p in requests]


def test_int8_quantisation_is_an_option_with_vectors_close_to_float32() -> None:
    texts = ["North Korea sent troops to Russia.", "The council approved the stadium budget."]
    exact, small = Encoder().encode(texts), Encoder(quantize=True).encode(texts)
    cosines = (exact * small).sum(axis=1)
    assert cosines.min() > 0.9 and not np.array_equal(exact, small)
