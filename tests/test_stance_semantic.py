"""The `semantic` engine (the default): the real MiniLM model from site-packages, the shipped layer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from monitor.analysis.analyzer import Analyzer, judge_text
from monitor.analysis.match import claim_from_text
from monitor.analysis.stance import build_engine
from monitor.analysis.stance.base import Passage
from monitor.analysis.stance.semantic import DEFAULT_WEIGHTS, FEATURES, SemanticEngine
from monitor.config.rules import ConfigError, load_rules
from monitor.domain import ClaimSpec, Judgement, RawDocument, Stance
from monitor.ingest.article import to_article
from monitor.ingest.documents import parse
from tests.test_stance_rules import NK_TROOPS, _load

SEEDS = Path(__file__).parent.parent / "seeds"
CONFIG = Path(__file__).parent.parent / "config" / "monitor.yaml"


@pytest.fixture(scope="module")
def engine() -> SemanticEngine:
    built = build_engine("semantic", {})
    assert isinstance(built, SemanticEngine)
    return built


def test_the_shipped_layer_says_what_it_was_trained_on_and_matches_the_features() -> None:
    layer = json.loads(DEFAULT_WEIGHTS.read_text(encoding="utf-8"))
    assert tuple(layer["features"]) == FEATURES
    about = layer["about"]
    assert "written.jsonl" in about["trained_on"]["stance layer"]
    assert "ARC" in about["trained_on"]["relevance threshold"]
    assert "FNC-1" in about["never_trained_on"] and "Emergent" in about["never_trained_on"]
    assert about["held_out"]["stance layer (5-fold CV grouped by claim)"]["macro_f1"] >= 0.7


def test_hand_written_cases_mostly_right(engine: SemanticEngine) -> None:
    """The rules engine's 96 cases, never trained on: the layer alone (no neutral veto) gets at least 85
    right. The veto only ever turns a confirmation into `discuss`, never another way (on these cases it
    costs 10 true confirmations the inference model reads as neutral; docs/stance.md has the trade)."""
    claims, cases = _load()
    layer_only = SemanticEngine(
        engine.layer, engine.relevance, engine.encoder, engine.inference, neutral_veto=None
    )
    passages = {key: [] for key in claims}  # type: dict[str, list[tuple[Passage, str]]]
    for case in cases:
        passages[case["claim"]].append((Passage(case["sentence"], case.get("context")), case["stance"]))
    right = 0
    for key, items in passages.items():
        alone = layer_only.judge_many(claims[key], [p for p, _ in items])
        vetoed = engine.judge_many(claims[key], [p for p, _ in items])
        right += sum(j.stance.value == gold for j, (_, gold) in zip(alone, items, strict=True))
        for a, v in zip(alone, vetoed, strict=True):
            assert a.stance is v.stance or (a.stance, v.stance) == (Stance.CONFIRM, Stance.DISCUSS)
    assert right >= 85, f"{right} of {len(cases)}"


def test_context_makes_a_pronoun_sentence_relevant(engine: SemanticEngine) -> None:
    """An unmatched sentence is relevant when it and the sentence before it are about the claim."""
    context = "North Korea's envoy was asked about reports that its troops are fighting for Russia."
    sentence = "He dismissed the reports as groundless rumours."
    alone, with_context = engine.judge_many(
        NK_TROOPS, [Passage(sentence, None, matched=False), Passage(sentence, context, matched=False)]
    )
    assert alone.stance is Stance.UNRELATED
    assert with_context.stance is Stance.CONTRADICT
    assert any("similarity" in cue for cue in with_context.cues)


def test_an_unrelated_sentence_is_unrelated_unless_the_matcher_found_it(engine: SemanticEngine) -> None:
    weather = "Heavy rain is expected in the capital over the weekend."
    unmatched, matched = engine.judge_many(
        NK_TROOPS, [Passage(weather, None, matched=False), Passage(weather, None, matched=True)]
    )
    assert unmatched.stance is Stance.UNRELATED
    assert matched.stance is not Stance.UNRELATED


def test_batch_and_single_agree(engine: SemanticEngine) -> None:
    sentences = [
        "North Korean soldiers are fighting for Russia in Ukraine, the intelligence service said.",
        "NATO has no evidence that North Korean soldiers are fighting.",
        "North Korean troops could be deployed to Ukraine, analysts warned.",
    ]
    batch = engine.judge_many(NK_TROOPS, [Passage(s) for s in sentences])
    single = [engine.judge(NK_TROOPS, s) for s in sentences]
    assert [j.stance for j in batch] == [j.stance for j in single]
    assert [j.stance for j in batch] == [Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS]
    assert all(abs(a.confidence - b.confidence) <= 0.01 for a, b in zip(batch, single, strict=True))


def test_odd_input_never_raises(engine: SemanticEngine) -> None:
    texts = ["", "?!", "a" * 20_000, "not " * 3_000 + "true", "\u2028\u0000 North Korea"]
    judged = engine.judge_many(NK_TROOPS, [Passage(t) for t in texts])
    assert len(judged) == len(texts)
    assert judged[0].stance is Stance.UNRELATED and judged[1].stance is Stance.UNRELATED


def test_seeds_keep_every_piece_of_rules_evidence(engine: SemanticEngine) -> None:
    """What the `rules` engine found in the seeds, the default engine finds too, and no confirmation or
    contradiction of the rules engine turns into the opposite."""
    rules = load_rules(CONFIG)
    by_rules = Analyzer(rules.topics, rules.claims, build_engine("rules", {}))
    by_default = Analyzer(rules.topics, rules.claims, engine)
    for path in sorted(SEEDS.glob("*.txt")):
        doc = parse(path.name, path.read_bytes())[0]
        raw = RawDocument("seeds", path.name, "-", doc.title, doc.body, datetime.now(UTC), None, doc.outlet)
        article = to_article(raw)
        old = {e.sentence.index: e.stance for v in by_rules.analyze(article).verdicts for e in v.evidence}
        new = {e.sentence.index: e.stance for v in by_default.analyze(article).verdicts for e in v.evidence}
        assert set(old) <= set(new), path.name
        flipped = {i for i in old if {old[i], new[i]} == {Stance.CONFIRM, Stance.CONTRADICT}}
        assert not flipped, path.name


def test_judge_text_decides_unrelated_from_similarity(engine: SemanticEngine) -> None:
    claim = claim_from_text("c", "North Korean troops are fighting for Russia in Ukraine")
    unrelated = judge_text(
        engine, claim, "Cup final", "Arsenal beat Chelsea 2-0 at Wembley. The North stand sang."
    )
    related = judge_text(
        engine, claim, "", "North Korea has denied that its troops are fighting for Russia in Ukraine."
    )
    assert unrelated.stance is Stance.UNRELATED
    assert related.stance is Stance.CONTRADICT


def test_options_are_checked_when_the_rules_load(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="relevance"):
        build_engine("semantic", {"relevance": 2})
    rules = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    rules["sources"] = []
    rules["stance"] = {"kind": "semantic", "weights": "./missing.json", "relevanse": 0.5}
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    text = str(caught.value)
    assert "stance.weights" in text and "missing.json" in text
    assert "stance.relevanse" in text


def test_another_weights_file_resolves_against_the_rules_folder(tmp_path: Path) -> None:
    layer = json.loads(DEFAULT_WEIGHTS.read_text(encoding="utf-8"))
    layer["relevance"] = 0.9
    (tmp_path / "layer.json").write_text(json.dumps(layer), encoding="utf-8")
    engine = build_engine("semantic", {"weights": "layer.json"}, base_dir=tmp_path)
    assert isinstance(engine, SemanticEngine) and engine.relevance == 0.9
    other = ClaimSpec("x", "Acme is closing its Dayton plant", ("Acme",), ("plant",))
    assert (
        engine.judge_many(other, [Passage("Sales fell.", None, matched=False)])[0].stance is Stance.UNRELATED
    )


def test_a_guessed_keyword_match_does_not_make_a_sentence_relevant(engine: SemanticEngine) -> None:
    """For a bare claim (entities guessed from its words) only similarity decides relevance; for a
    claim whose entities and keywords a user wrote, the keyword match is enough."""
    sentence = "Russia's football league said its troops of volunteers cleaned the stadium."
    guessed = claim_from_text("c", "North Korean troops are fighting for Russia in Ukraine")
    written = ClaimSpec("c", guessed.text, ("Russia",), ("troops",))
    assert guessed.guessed and not written.guessed
    by_guess = engine.judge_many(guessed, [Passage(sentence, None, matched=True)])[0]
    by_user = engine.judge_many(written, [Passage(sentence, None, matched=True)])[0]
    assert by_guess.stance is Stance.UNRELATED
    assert by_user.stance is not Stance.UNRELATED


def test_the_encoder_gives_the_same_vectors_from_several_threads() -> None:
    """Sources are analysed on worker threads that share one encoder and its (evicting) cache."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from monitor.analysis.embeddings import Encoder

    encoder = Encoder(cache_size=8)
    texts = [f"Report {i} says North Korean troops moved to the front." for i in range(24)]
    expected = encoder.encode(texts)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda k: encoder.encode(texts[k:] + texts[:k]), range(8)))
    for k, got in enumerate(results):
        assert np.allclose(got, np.roll(expected, -k, axis=0), atol=1e-5)


def test_seeds_keep_every_contradiction_of_the_rules_engine(engine: SemanticEngine) -> None:
    """A missed denial is the worst error: each sentence the `rules` engine reads as a contradiction in
    the seeds (a denial, "no evidence", "not yet confirmed") is a contradiction for the default engine."""
    rules = load_rules(CONFIG)
    by_rules = Analyzer(rules.topics, rules.claims, build_engine("rules", {}))
    by_default = Analyzer(rules.topics, rules.claims, engine)
    denials = 0
    for path in sorted(SEEDS.glob("*.txt")):
        doc = parse(path.name, path.read_bytes())[0]
        raw = RawDocument("seeds", path.name, "-", doc.title, doc.body, datetime.now(UTC), None, doc.outlet)
        article = to_article(raw)
        old = {e.sentence.index for v in by_rules.analyze(article).verdicts for e in v.evidence
               if e.stance is Stance.CONTRADICT}  # fmt: skip
        new = {e.sentence.index: e.stance for v in by_default.analyze(article).verdicts for e in v.evidence}
        assert all(new.get(i) is Stance.CONTRADICT for i in old), path.name
        denials += len(old)
    assert denials >= 10


MINE = ClaimSpec("mine", "The Harlow Mining Company has closed its Brennock mine", ("Harlow", "Brennock"))


@pytest.mark.parametrize(
    "sentence",
    [
        "Harlow is preparing to close the Brennock mine, union officials said.",
        "The Harlow Mining Company intends to close its Brennock mine by the end of next year.",
        "Closing the Brennock mine would mark a turning point for the region, Harlow's chairman said.",
        "Harlow told investors it plans to close the Brennock mine.",
        pytest.param(
            "Harlow has begun preparations to shut down the Brennock mine, the company said.",
            marks=pytest.mark.xfail(
                strict=True, reason="read as a confirmation: the model's P(neutral) is 0.56"
            ),
        ),
    ],
)
def test_a_plan_or_a_preparation_is_not_a_confirmation(engine: SemanticEngine, sentence: str) -> None:
    judged = engine.judge(MINE, sentence)
    assert judged.stance is not Stance.CONFIRM, judged


def test_a_confirmation_the_inference_model_reads_as_neutral_is_discussed(engine: SemanticEngine) -> None:
    confirmed = Judgement(Stance.CONFIRM, 0.8, ("layer confirm p=0.80",), explicit=False)
    neutral, unsure = np.array([0.02, 0.95, 0.03]), np.array([0.3, 0.6, 0.1])
    no_cue = Judgement(Stance.UNRELATED, 1.0)
    vetoed = engine._veto(confirmed, neutral, no_cue)
    assert vetoed.stance is Stance.DISCUSS and "inference model: neutral p=0.95" in vetoed.cues
    assert engine._veto(confirmed, unsure, no_cue) is confirmed
    anaphoric = Judgement(Stance.CONFIRM, 0.85, ("anaphoric confirmation: 'confirmed this'",))
    assert engine._veto(confirmed, neutral, anaphoric) is confirmed  # its claim is in the sentence before
    denial = Judgement(Stance.CONTRADICT, 0.85, ("denial: 'denied'",))
    assert engine._veto(denial, neutral, denial) is denial  # never a denial
    off = SemanticEngine(engine.layer, engine.relevance, engine.encoder, engine.inference, neutral_veto=None)
    assert off._veto(confirmed, neutral, no_cue) is confirmed
    assert build_engine("semantic", {"neutral_veto": None}).neutral_veto is None  # type: ignore[attr-defined]


TAKEOVER = ClaimSpec("takeover", "Brantwood Foods is acquiring Kessel Dairy", ("Brantwood", "Kessel"))


def test_a_denial_in_a_reported_clause_is_not_the_speakers_stance(engine: SemanticEngine) -> None:
    """The main clause is Brantwood's confirmation; Kessel's earlier denial sits in a clause that
    reports it ("..., a week after Kessel Dairy denied ..."), and does not make Brantwood contradict."""
    main = "Brantwood Foods said on Thursday that it is acquiring Kessel Dairy."
    sentence = main[:-1] + ", a week after Kessel Dairy denied that the two firms were in talks."
    assert judge_text(engine, TAKEOVER, "", main).stance is Stance.CONFIRM  # the control
    verdict = judge_text(engine, TAKEOVER, "Dairy deal", sentence)
    (evidence,) = [e for e in verdict.evidence if e.sentence.text == sentence]
    assert evidence.stance is Stance.CONFIRM, evidence.judgement
    assert evidence.attribution.speaker == "Brantwood Foods"
