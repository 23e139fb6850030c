"""Read one article against the rules: its topics, and for each claim the evidence and overall stance.

Pure: no database, no network. match -> stance -> speaker, per candidate sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.config import Rules
from monitor.domain import Article, ArticleVerdict, Evidence, Sentence, Stance
from monitor.ledger import article_verdict
from monitor.match import ClaimMatcher, TopicMatcher
from monitor.sentences import split_sentences
from monitor.speaker import attribute
from monitor.stance import StanceEngine


@dataclass(frozen=True, slots=True)
class Analysis:
    topics: tuple[str, ...]
    verdicts: tuple[ArticleVerdict, ...]


class Analyzer:
    """Built once per rules version; `analyze` is then called for each new article."""

    def __init__(self, rules: Rules, engine: StanceEngine) -> None:
        self.engine = engine
        self.topics = [TopicMatcher(t) for t in rules.topics]
        self.claims = [(c, ClaimMatcher(c.spec())) for c in rules.claims]

    def analyze(self, article: Article) -> Analysis:
        topics = tuple(t.name for t in self.topics if t.matches(article.text))
        relevant = [
            (claim, matcher)
            for claim, matcher in self.claims
            if (not claim.topics or set(claim.topics) & set(topics)) and matcher.mentions(article.text)
        ]
        if not relevant:
            return Analysis(topics, ())
        sentences = split_sentences(article.text)
        verdicts = []
        for claim, matcher in relevant:
            evidence = self._evidence(matcher, sentences)
            if evidence:
                verdicts.append(article_verdict(claim.id, evidence))
        return Analysis(topics, tuple(verdicts))

    def _evidence(self, matcher: ClaimMatcher, sents: Sequence[Sentence]) -> list[Evidence]:
        out: list[Evidence] = []
        for candidate in matcher.candidates(sents):
            sentence = candidate.sentence
            context = candidate.context.text if candidate.context is not None else None
            judgement = self.engine.judge(matcher.claim, sentence.text, context)
            if judgement.stance is Stance.UNRELATED:
                continue
            previous = sents[sentence.index - 1].text if sentence.index > 0 else None
            following = sents[sentence.index + 1].text if sentence.index + 1 < len(sents) else None
            out.append(
                Evidence(
                    claim_id=matcher.claim.id,
                    sentence=sentence,
                    judgement=judgement,
                    attribution=attribute(sentence.text, previous, following),
                    context=context,
                )
            )
        return out
