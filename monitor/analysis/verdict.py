"""An article's overall stance on a claim, from the stances of its evidence sentences. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.domain import ArticleVerdict, Evidence, Stance

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
