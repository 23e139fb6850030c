"""An article's overall stance, and a claim's status from its evidence (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.domain import Attribution, ClaimStatus, Evidence, Judgement, Sentence, Stance
from monitor.ledger import LedgerEntry, article_verdict, claim_status

DAY = datetime(2024, 10, 16, tzinfo=UTC)


def ev(stance: Stance, confidence: float) -> Evidence:
    return Evidence("c", Sentence(0, "s", 0, 1, 0), Judgement(stance, confidence), Attribution())


def entry(stance: Stance, source: str, confidence: float = 0.8) -> LedgerEntry:
    return LedgerEntry(stance, confidence, source, DAY)


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


def test_status_rules() -> None:
    assert claim_status([]).status is ClaimStatus.UNVERIFIED
    assert claim_status([entry(Stance.DISCUSS, "a")]).status is ClaimStatus.REPORTED
    assert claim_status([entry(Stance.CONFIRM, "a")]).status is ClaimStatus.REPORTED
    assert (
        claim_status([entry(Stance.CONFIRM, "a"), entry(Stance.CONFIRM, "a")]).status is ClaimStatus.REPORTED
    )
    assert (
        claim_status([entry(Stance.CONFIRM, "a"), entry(Stance.CONFIRM, "b")]).status is ClaimStatus.CONFIRMED
    )
    assert claim_status([entry(Stance.CONTRADICT, "a")]).status is ClaimStatus.CONTESTED
    assert (
        claim_status([entry(Stance.CONTRADICT, "a"), entry(Stance.CONTRADICT, "b")]).status
        is ClaimStatus.REFUTED
    )
    both = claim_status(
        [entry(Stance.CONFIRM, "a"), entry(Stance.CONFIRM, "b"), entry(Stance.CONTRADICT, "c")]
    )
    assert both.status is ClaimStatus.CONTESTED
    assert "confirmed by 2 sources (a, b)" in both.reason and "contradicted by 1 source (c)" in both.reason


def test_weak_evidence_counts_as_discussion() -> None:
    weak = [entry(Stance.CONFIRM, "a", 0.5), entry(Stance.CONFIRM, "b", 0.5)]
    assert claim_status(weak).status is ClaimStatus.REPORTED
