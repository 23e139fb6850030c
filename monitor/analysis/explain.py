"""Why one article counts, or does not, for each claim: the decisions `Analyzer.analyze` makes, laid
out for a person (`monitor explain`). Pure: no database, no network.

For each claim: which of its entities the article names, what each of its topic rules decided and why
(the `all` term missing, no `any` term, the `none` term found), whether the article is therefore read
for the claim, and each sentence that bears on it with its stance, confidence, cues, speaker and the day
the sentence says it was said. A claim whose topic rules all rejected the article still has its
sentences judged, marked as not counted, so the user sees what the rule cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.analysis.analyzer import Analyzer, claim_evidence, topics_accept
from monitor.analysis.attribution import attribute_all
from monitor.analysis.match import TopicDecision
from monitor.analysis.sentences import split_sentences
from monitor.analysis.verdict import article_verdict
from monitor.domain import Article, ArticleVerdict, Evidence
from monitor.ingest.article import year_is_guess
from monitor.ingest.dates import day_in_sentence


@dataclass(frozen=True, slots=True)
class SentenceExplanation:
    """One sentence that bears on a claim, and the day it says its statement was made (None: the
    article's date stands for it)."""

    evidence: Evidence
    said_on: datetime | None


@dataclass(frozen=True, slots=True)
class ClaimExplanation:
    claim_id: str
    claim: str
    entities_named: tuple[str, ...]
    topics: tuple[TopicDecision, ...]
    """The decisions of the claim's own topic rules (none: the claim is not limited to topics)."""
    counted: bool
    """The article is read for this claim: it names an entity and a topic rule accepted it (or the
    claim has none)."""
    verdict: ArticleVerdict | None
    """The article's stance on the claim from `sentences` (None when no entity is named)."""
    sentences: tuple[SentenceExplanation, ...]

    @property
    def reason(self) -> str:
        if not self.entities_named:
            return "the article names none of the claim's entities"
        if not self.counted:
            return "the article names the claim's entities, but no topic rule of the claim accepted it"
        if not self.sentences:
            return "the article names the claim's entities, but no sentence bears on the claim"
        rule = "a topic rule accepted it" if self.topics else "the claim has no topic rule"
        return f"counted: the article names the claim's entities and {rule}"


@dataclass(frozen=True, slots=True)
class Explanation:
    article: Article
    topics: tuple[TopicDecision, ...]
    """Every topic rule's decision (the topics stored with the article are the accepted ones)."""
    claims: tuple[ClaimExplanation, ...]


def explain(analyzer: Analyzer, article: Article, claim_ids: Sequence[str] | None = None) -> Explanation:
    """The decisions for `article`, for the claims in `claim_ids` (all when None). Raises KeyError for a
    claim id the analyzer does not know."""
    known = {claim.id for claim, _ in analyzer.claims}
    unknown = [c for c in claim_ids or () if c not in known]
    if unknown:
        raise KeyError(unknown[0])
    decisions = {t.name: t.decide(article.text) for t in analyzer.topics}
    accepted = [name for name, decision in decisions.items() if decision.accepted]
    sentences = split_sentences(article.text)
    speakers = attribute_all(sentences)
    year_known = not year_is_guess(article.date_origin)  # as the ledger reads it
    out = []
    for claim, matcher in analyzer.claims:
        if claim_ids is not None and claim.id not in claim_ids:
            continue
        named = matcher.named_entities(article.text)
        topics = tuple(decisions[name] for name in claim.topics if name in decisions)
        counted = bool(named) and topics_accept(claim, accepted)
        evidence = claim_evidence(analyzer.engine, matcher, sentences, speakers) if named else []
        said = tuple(
            SentenceExplanation(e, day_in_sentence(e.sentence.text, article.published, year_known=year_known))
            for e in evidence
        )
        verdict = article_verdict(claim.id, evidence) if named else None
        out.append(ClaimExplanation(claim.id, claim.claim, named, topics, counted, verdict, said))
    return Explanation(article, tuple(decisions.values()), tuple(out))
