"""An article's overall stance from its evidence sentences (pure rules)."""

from __future__ import annotations

from monitor.analysis.verdict import article_verdict
from monitor.domain import Attribution, Evidence, Judgement, Sentence, Stance


def ev(stance: Stance, confidence: float) -> Evidence:
    return Evidence("c", Sentence(0, "s", 0, 1, 0), Judgement(stance, confidence), Attribution())


def test_article_without_evidence_is_unrelated() -> None:
    assert article_verdict("c", []).stance is Stance.UNRELATED


def test_article_with_only_discussion_discusses() -> None:
    verdict = article_verdict("c", [ev(Stance.DISCUSS, 0.6)])
    assert verdict.stance is Stance.DISCUSS and verdict.confidence == 0.6


def test_article_stance_follows_the_weight_of_its_evidence() -> None:
    pure = article_verdict("c", [ev(Stance.CONFIRM, 0.8)])
    mixed = article_verdict(
        "c",
        [
            ev(Stance.CONFIRM, 0.8),
            ev(Stance.CONFIRM, 0.7),
            ev(Stance.CONFIRM, 0.7),
            ev(Stance.CONTRADICT, 0.6),
        ],
    )
    assert pure.stance is mixed.stance is Stance.CONFIRM
    assert mixed.confidence < pure.confidence
    # a minority of denials (over a third of the weight) makes a contradiction
    denied = article_verdict(
        "c", [ev(Stance.DISCUSS, 0.6), ev(Stance.DISCUSS, 0.6), ev(Stance.CONTRADICT, 0.7)]
    )
    assert denied.stance is Stance.CONTRADICT
    # one confirming sentence among many that only report the claim: the article discusses it
    reported = article_verdict(
        "c",
        [ev(Stance.DISCUSS, 0.6), ev(Stance.DISCUSS, 0.5), ev(Stance.DISCUSS, 0.7), ev(Stance.CONFIRM, 0.7)],
    )
    assert reported.stance is Stance.DISCUSS and reported.confidence == 0.7
