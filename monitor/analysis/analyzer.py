"""Read one article against the rules: its topics, and for each claim the evidence and overall stance.

Pure: no database, no network. match -> stance -> speaker, per candidate sentence. The engine judges a
sentence's main clause: a clause that reports another statement ("..., days after Y denied it", see
clauses.py) is left out when what remains still speaks to the claim or has a reporting verb of its
own. Speakers are found once per article (attribution.attribute_all), so a quotation that runs over
several sentences keeps its speaker.

`analyze_many` reads several articles (a poll's batch) with the same answers as `analyze` on each,
but hands the engine every (claim, passages) request of the batch at once (`judge_requests`): the
`semantic` engine then encodes all their sentences in one model call and reads each claim's
sentences with the inference model in one call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from monitor.analysis.attribution import attribute_all
from monitor.analysis.clauses import main_clause, reports
from monitor.analysis.match import Claim, ClaimMatcher, Topic, TopicMatcher
from monitor.analysis.sentences import split_sentences
from monitor.analysis.stance import Passage, Request, StanceEngine, judge_requests
from monitor.analysis.verdict import article_verdict
from monitor.domain import (
    Article,
    ArticleVerdict,
    Attribution,
    ClaimSpec,
    Evidence,
    Judgement,
    Sentence,
    Stance,
)


@dataclass(frozen=True, slots=True)
class Analysis:
    topics: tuple[str, ...]
    verdicts: tuple[ArticleVerdict, ...]
    dropped: tuple[str, ...] = ()
    """The claims whose entities the article names but none of whose topic rules accepted it: missed
    silently otherwise (`monitor explain` shows why)."""


class Analyzer:
    """Built once per rules version (its topics and claims); `analyze` is then called for each new
    article."""

    def __init__(self, topics: Sequence[Topic], claims: Sequence[Claim], engine: StanceEngine) -> None:
        self.engine = engine
        self.topics = [TopicMatcher(t) for t in topics]
        self.claims = [(c, ClaimMatcher(c.spec())) for c in claims]

    def analyze(self, article: Article) -> Analysis:
        return self.analyze_many([article])[0]

    def analyze_many(self, articles: Sequence[Article]) -> list[Analysis]:
        """`[analyze(a) for a in articles]`, with the engine judging the passages of all of them at once."""
        readings: list[tuple[tuple[str, ...], tuple[str, ...], list[_Reading]]] = []
        requests: list[Request] = []
        for article in articles:
            topics = tuple(t.name for t in self.topics if t.matches(article.text))
            named = [(claim, matcher) for claim, matcher in self.claims if matcher.mentions(article.text)]
            relevant = [(c, m) for c, m in named if topics_accept(c, topics)]
            dropped = tuple(c.id for c, _ in named if not topics_accept(c, topics))
            claims: list[_Reading] = []
            if relevant:
                sentences = split_sentences(article.text)
                speakers = attribute_all(sentences)
                for claim, matcher in relevant:
                    passages = claim_passages(self.engine, matcher, sentences)
                    claims.append(_Reading(claim.id, matcher, sentences, speakers, passages))
                    requests.append((matcher.claim, [p for _, p in passages]))
            readings.append((topics, dropped, claims))
        judged = iter(judge_requests(self.engine, requests) if requests else [])
        out = []
        for topics, dropped, claims in readings:
            verdicts = []
            for reading in claims:
                evidence = judged_evidence(
                    reading.matcher, reading.sentences, reading.passages, next(judged), reading.speakers
                )
                if evidence:
                    verdicts.append(article_verdict(reading.claim_id, evidence))
            out.append(Analysis(topics, tuple(verdicts), dropped))
        return out


@dataclass(frozen=True, slots=True)
class _Reading:
    """One claim of one article, its passages made and waiting for the engine."""

    claim_id: str
    matcher: ClaimMatcher
    sentences: Sequence[Sentence]
    speakers: Sequence[Attribution]
    passages: list[tuple[Sentence, Passage]]


def topics_accept(claim: Claim, accepted: Collection[str]) -> bool:
    """Whether the claim reads an article whose accepted topics are `accepted`: it has no topic rule,
    or one of its topics is among them."""
    return not claim.topics or not set(claim.topics).isdisjoint(accepted)


def focus(matcher: ClaimMatcher, text: str) -> str:
    """What the engine judges of a sentence: its main clause (clauses.main_clause) when that still
    names the claim or reports a statement of its own, else the whole sentence ("Shares fell after
    Y denied the talks" keeps Y's denial)."""
    main = main_clause(text)
    return main if main != text and (matcher.names(main) or reports(main)) else text


def claim_evidence(
    engine: StanceEngine,
    matcher: ClaimMatcher,
    sents: Sequence[Sentence],
    speakers: Sequence[Attribution] | None = None,
) -> list[Evidence]:
    """The sentences of one article that bear on the matcher's claim, judged by the engine.

    Engines that read the whole article get every sentence (the keyword matches marked `matched`),
    each with the sentence before it as context; others get the keyword matches only. Each passage's
    text is the sentence's `focus`; the evidence keeps the whole sentence. `speakers` is
    `attribute_all(sents)`, computed here when not given.
    """
    passages = claim_passages(engine, matcher, sents)
    judgements = engine.judge_many(matcher.claim, [p for _, p in passages])
    return judged_evidence(matcher, sents, passages, judgements, speakers or attribute_all(sents))


def claim_passages(
    engine: StanceEngine, matcher: ClaimMatcher, sents: Sequence[Sentence]
) -> list[tuple[Sentence, Passage]]:
    """The passages `claim_evidence` offers the engine, each with its sentence."""
    candidates = {c.sentence.index: c for c in matcher.candidates(sents)}
    passages: list[tuple[Sentence, Passage]] = []
    for sentence in sents if engine.reads_whole_article else [c.sentence for c in candidates.values()]:
        candidate = candidates.get(sentence.index)
        if candidate is not None:
            context = candidate.context.text if candidate.context is not None else None
        else:
            context = sents[sentence.index - 1].text if sentence.index > 0 else None
        text = focus(matcher, sentence.text)
        passages.append((sentence, Passage(text, context, matched=candidate is not None)))
    return passages


def judged_evidence(
    matcher: ClaimMatcher,
    sents: Sequence[Sentence],
    passages: Sequence[tuple[Sentence, Passage]],
    judgements: Sequence[Judgement],
    speakers: Sequence[Attribution],
) -> list[Evidence]:
    """The evidence of the judged passages: those not UNRELATED, with their speakers (`speakers` is
    `attribute_all(sents)`)."""
    speaker_of = {s.index: a for s, a in zip(sents, speakers, strict=True)}
    out: list[Evidence] = []
    for (sentence, passage), judgement in zip(passages, judgements, strict=True):
        if judgement.stance is Stance.UNRELATED:
            continue
        out.append(
            Evidence(
                claim_id=matcher.claim.id,
                sentence=sentence,
                judgement=judgement,
                attribution=speaker_of[sentence.index],
                context=passage.context,
            )
        )
    return out


def judge_text(engine: StanceEngine, claim: ClaimSpec, title: str, body: str) -> ArticleVerdict:
    """The stance of one text (headline and body) on one claim, exactly as the pipeline reads an
    article: the entity gate, the claim's sentences, the engine, then the article verdict.

    A bare claim's entities are guessed from its words (`claim.guessed`), and an article can speak to
    the claim without naming a guessed one ("Pyongyang" for "North Korea"): there, an engine that
    reads the whole article decides relevance by similarity alone, and the gate is skipped."""
    text = f"{title.strip()}\n\n{body.strip()}" if title.strip() else body.strip()
    matcher = ClaimMatcher(claim)
    gated = not (claim.guessed and engine.reads_whole_article)
    if gated and not matcher.mentions(text):
        return article_verdict(claim.id, [])
    return article_verdict(claim.id, claim_evidence(engine, matcher, split_sentences(text)))
