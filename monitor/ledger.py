"""The claim ledger: an article's overall stance, and a claim's status from all its evidence.

Pure functions over domain values; storing and alerting happen elsewhere.

Status rules (the first that applies):
- no confirming or contradicting evidence: `reported` if anything discusses the claim, else `unverified`;
- confirmations only: `confirmed` from CONFIRM_SOURCES distinct sources, else `reported`;
- contradictions only: `refuted` from CONTRADICT_SOURCES distinct sources, else `contested`;
- both: `contested`.
A source is the speaker when the text names one, else the article. Evidence below MIN_CONFIDENCE counts
as discussion. A later issue makes the thresholds configurable and counts only independent sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.domain import ArticleVerdict, ClaimStatus, Evidence, Stance

MIN_CONFIDENCE = 0.6
CONFIRM_SOURCES = 2
CONTRADICT_SOURCES = 2
POLAR = (Stance.CONFIRM, Stance.CONTRADICT)
CONTRADICT_SHARE = 1 / 3


def article_verdict(claim_id: str, evidence: Sequence[Evidence]) -> ArticleVerdict:
    """The article's stance on the claim, from the summed confidence of its evidence by stance:

    - `contradict` when contradictions carry more than CONTRADICT_SHARE of the weight (a minority of
      denials still makes the article a contradiction: those are what a user must not miss) and at
      least as much as confirmations;
    - else `confirm` when confirmations carry more than half of the weight;
    - else `discuss` (an article that mostly reports the claim without taking a side);
    - `unrelated` with no evidence at all.

    A polar verdict's confidence is its best sentence's confidence scaled by that stance's share of the
    polar weight (an article that both confirms and denies is less sure of either); a `discuss`
    verdict's is the best discussing sentence's.
    """
    if not evidence:
        return ArticleVerdict(claim_id, Stance.UNRELATED, 1.0, ())
    weight = {
        s: sum(e.judgement.confidence for e in evidence if e.stance is s) for s in (*POLAR, Stance.DISCUSS)
    }
    total = sum(weight.values()) or 1.0
    polar_total = weight[Stance.CONFIRM] + weight[Stance.CONTRADICT]
    if (
        weight[Stance.CONTRADICT] > CONTRADICT_SHARE * total
        and weight[Stance.CONTRADICT] >= weight[Stance.CONFIRM]
    ):
        stance = Stance.CONTRADICT
    elif weight[Stance.CONFIRM] > total / 2:
        stance = Stance.CONFIRM
    else:
        discussing = [e.judgement.confidence for e in evidence if e.stance is Stance.DISCUSS]
        best = max(discussing or [e.judgement.confidence for e in evidence])
        return ArticleVerdict(claim_id, Stance.DISCUSS, round(best, 3), tuple(evidence))
    top = max(e.judgement.confidence for e in evidence if e.stance is stance)
    return ArticleVerdict(claim_id, stance, round(top * weight[stance] / polar_total, 3), tuple(evidence))


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One stored piece of evidence, as the status rules see it."""

    stance: Stance
    confidence: float
    source: str
    published: datetime


@dataclass(frozen=True, slots=True)
class StatusDecision:
    status: ClaimStatus
    reason: str


def claim_status(entries: Iterable[LedgerEntry]) -> StatusDecision:
    """Apply the status rules in the module docstring."""
    confirmers: dict[str, None] = {}
    contradictors: dict[str, None] = {}
    discussed = False
    for entry in sorted(entries, key=lambda e: (e.published, e.source)):
        if entry.stance is Stance.CONFIRM and entry.confidence >= MIN_CONFIDENCE:
            confirmers[entry.source] = None
        elif entry.stance is Stance.CONTRADICT and entry.confidence >= MIN_CONFIDENCE:
            contradictors[entry.source] = None
        elif entry.stance is not Stance.UNRELATED:
            discussed = True
    yes, no = _names(confirmers), _names(contradictors)
    if not confirmers and not contradictors:
        if discussed:
            return StatusDecision(ClaimStatus.REPORTED, "discussed, but nothing confirms or contradicts it")
        return StatusDecision(ClaimStatus.UNVERIFIED, "no evidence yet")
    if confirmers and contradictors:
        return StatusDecision(ClaimStatus.CONTESTED, f"confirmed by {yes}; contradicted by {no}")
    if confirmers:
        if len(confirmers) >= CONFIRM_SOURCES:
            return StatusDecision(ClaimStatus.CONFIRMED, f"confirmed by {yes}")
        return StatusDecision(ClaimStatus.REPORTED, f"confirmed by {yes} only")
    if len(contradictors) >= CONTRADICT_SOURCES:
        return StatusDecision(ClaimStatus.REFUTED, f"contradicted by {no}")
    return StatusDecision(ClaimStatus.CONTESTED, f"contradicted by {no} only")


def _names(sources: dict[str, None], limit: int = 4) -> str:
    names = list(sources)
    shown = ", ".join(names[:limit])
    noun = "source" if len(names) == 1 else "sources"
    return f"{len(names)} {noun} ({shown}{', ...' if len(names) > limit else ''})"
