"""Matching: which topics an article is about, and which of its sentences speak to a tracked claim.

A sentence is a candidate for a claim when it names one of the claim's entities and one of its keywords
(the claim's own content words when no keywords are given). A sentence that refers back with a pronoun
("Now NATO has confirmed this.", "They have already arrived.") is a candidate when the sentence before it
is, and it carries a keyword or a word about truth or evidence; that previous sentence is its context.

Names and acronyms (any word written with a capital) match as written, with a possessive or demonym
ending ("Korea's", "North Korean"); a lowercase topic term or keyword matches every inflection of its
(last) word ("acquire": "acquired", "acquiring"; "units": "unit", never "United"), from a dictionary
(`monitor.analysis.inflection`). A topic rule says why it rejected a text (`TopicMatcher.decide`).

`Topic` and `Claim` are the rules file's `topics:` and `claims:` entries, validated here as each stage
validates its own options.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.analysis.inflection import phrase_forms
from monitor.domain import ClaimSpec, Sentence


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Term = str | list[str]
"""A topic term: one word or phrase, or a list of aliases any of which counts as the term."""


class Topic(_Strict):
    """A topic matches an article when all `all` terms, at least one `any` term and no `none` term occur."""

    name: str = Field(min_length=1)
    any: list[Term] = Field(default_factory=list)
    all: list[Term] = Field(default_factory=list)
    none: list[Term] = Field(default_factory=list)

    @field_validator("any", "all", "none")
    @classmethod
    def _no_empty_terms(cls, terms: list[Term]) -> list[Term]:
        for term in terms:
            words = [term] if isinstance(term, str) else term
            if not words or any(not w.strip() for w in words):
                raise ValueError("terms must be non-empty strings or non-empty lists of strings")
        return terms


class Claim(_Strict):
    """A tracked claim: one sentence, the entity aliases it is about, and optional keywords."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    claim: str = Field(min_length=3)
    entities: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)

    def spec(self) -> ClaimSpec:
        return ClaimSpec(self.id, self.claim, tuple(self.entities), tuple(self.keywords))


_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "had",
        "he",
        "her",
        "his",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "which",
        "who",
        "will",
        "with",
    }
)
_ANAPHOR = re.compile(r"\b(?:this|that|these|those|it|they|them|he|she|his|her|their)\b", re.IGNORECASE)
_EPISTEMIC = re.compile(
    r"\b(?:confirm\w*|den(?:y|ied|ies|ial)\w*|dismiss\w*|reject\w*|refut\w*|verif\w*|evidence|true|"
    r"untrue|false|rumou?rs?|hoax|groundless|baseless|unfounded|fake)\b",
    re.IGNORECASE,
)


class TermPattern:
    """A term regex (`term_pattern`) that first checks what any match needs: each alternative begins
    with a word written as is, so a text that contains none of those words, case aside, has no match
    and the regex (which tries every alternative at every position) is not run. Most texts name no
    claim's entity: this made the analysis of an article several times faster (issue 19)."""

    __slots__ = ("_needles", "regex")

    def __init__(self, regex: re.Pattern[str], first_words: Sequence[str]) -> None:
        self.regex = regex
        needles = tuple(dict.fromkeys(_fold(w) for w in first_words))
        # Only ASCII words: for them, `_fold` agrees with the regex's IGNORECASE on every text.
        self._needles = needles if all(n.isascii() for n in needles) else None

    def search(self, text: str) -> re.Match[str] | None:
        if self._needles is not None:
            folded = _folded(text)
            if not any(n in folded for n in self._needles):
                return None
        return self.regex.search(text)


def _fold(text: str) -> str:
    """Lowercase, with the few non-ASCII letters that re.IGNORECASE matches to an ASCII letter mapped
    to it (dotted and dotless i, long s; the Kelvin sign lowercases to k)."""
    return text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s")


_last_folded: tuple[str, str] = ("", "")


def _folded(text: str) -> str:
    """`_fold(text)`, remembered for the last text (an article is searched for every claim in turn)."""
    global _last_folded
    last = _last_folded
    if last[0] is text:
        return last[1]
    folded = _fold(text)
    _last_folded = (text, folded)
    return folded


def term_pattern(words: Iterable[str], suffixes: str) -> TermPattern | None:
    """One regex for several words or phrases. All-capitals words (acronyms) match case-sensitively."""
    parts = []
    first_words = []
    for word in words:
        body = r"\s+".join(re.escape(w) for w in word.split())
        flag = "" if word.isupper() and len(word) > 1 else "(?i:"
        parts.append(rf"{flag}\b{body}{suffixes}\b" + (")" if flag else ""))
        first_words.append(word.split()[0])
    return TermPattern(re.compile("|".join(parts)), first_words) if parts else None


_NAME_SUFFIX = r"(?:'s|’s|s|n|ns)?"
_WORD_SUFFIX = r"(?:s|es|'s|’s)?"


class _Term:
    """One topic term: a name or phrase as written (with the name suffixes: "North Korean"), or, for a
    lowercase word or phrase, any inflection of its last word ("acquire": "acquired", "acquiring")."""

    def __init__(self, term: Term) -> None:
        words = [term] if isinstance(term, str) else term
        self.label = " / ".join(words)
        pattern = term_pattern([f for w in words for f in (phrase_forms(w) or (w,))], _NAME_SUFFIX)
        assert pattern is not None
        self.pattern = pattern

    def found(self, text: str) -> bool:
        return self.pattern.search(text) is not None


@dataclass(frozen=True, slots=True)
class TopicDecision:
    """Whether a topic rule accepted a text, and why: the `all` terms it lacks, the `any` terms it has
    (None when the rule has no `any` terms) and the `none` terms it has."""

    topic: str
    accepted: bool
    missing_all: tuple[str, ...]
    any_found: tuple[str, ...] | None
    none_found: tuple[str, ...]

    @property
    def reason(self) -> str:
        if self.accepted:
            if self.any_found:
                return f"accepted: has `any` term {', '.join(repr(t) for t in self.any_found)}"
            return "accepted: no `all` term missing, no `none` term"
        why = []
        if self.missing_all:
            why.append(f"lacks `all` term {', '.join(repr(t) for t in self.missing_all)}")
        if self.any_found == ():
            why.append("has no `any` term")
        if self.none_found:
            why.append(f"has `none` term {', '.join(repr(t) for t in self.none_found)}")
        return "rejected: " + "; ".join(why)


class TopicMatcher:
    """all terms, at least one `any` term (if there are any), and no `none` term."""

    def __init__(self, topic: Topic) -> None:
        self.name = topic.name
        self._any = [_Term(t) for t in topic.any]
        self._all = [_Term(t) for t in topic.all]
        self._none = [_Term(t) for t in topic.none]

    def matches(self, text: str) -> bool:
        return (
            all(t.found(text) for t in self._all)
            and (not self._any or any(t.found(text) for t in self._any))
            and not any(t.found(text) for t in self._none)
        )

    def decide(self, text: str) -> TopicDecision:
        """`matches`, with the terms that decided (every term is looked for)."""
        missing = tuple(t.label for t in self._all if not t.found(text))
        any_found = tuple(t.label for t in self._any if t.found(text)) if self._any else None
        none_found = tuple(t.label for t in self._none if t.found(text))
        accepted = not missing and any_found != () and not none_found
        return TopicDecision(self.name, accepted, missing, any_found, none_found)


def default_keywords(claim: ClaimSpec) -> tuple[str, ...]:
    """The claim sentence's content words that are not part of an entity name."""
    entity_words = {w.casefold() for e in claim.entities for w in e.split()}
    words = re.findall(r"[A-Za-z][A-Za-z-]+", claim.text)
    return tuple(
        dict.fromkeys(
            w
            for w in words
            if w.casefold() not in _STOPWORDS and w.casefold() not in entity_words and len(w) > 2
        )
    )


LOOKBACK = 2
"""How many sentences back a pronoun may reach for the sentence it refers to."""


@dataclass(frozen=True, slots=True)
class Candidate:
    sentence: Sentence
    context: Sentence | None
    via_context: bool


class ClaimMatcher:
    def __init__(self, claim: ClaimSpec) -> None:
        self.claim = claim
        entities = term_pattern(claim.entities, _NAME_SUFFIX)
        forms = [f for k in (claim.keywords or default_keywords(claim)) for f in keyword_forms(k)]
        keywords = term_pattern(forms, _WORD_SUFFIX)
        assert entities is not None, "a claim has at least one entity (validated in config)"
        self._entities = entities
        self._keywords = keywords

    def _direct(self, text: str) -> bool:
        if self._entities.search(text) is None:
            return False
        return self._keywords is None or self._keywords.search(text) is not None

    def names(self, text: str) -> bool:
        """The text names an entity and a keyword of the claim (a candidate sentence on its own)."""
        return self._direct(text)

    def mentions(self, text: str) -> bool:
        """The text names an entity of the claim (a cheap gate before sentence-level matching)."""
        return self._entities.search(text) is not None

    def named_entities(self, text: str) -> tuple[str, ...]:
        """The claim's entities (as the rules write them) that the text names."""
        return tuple(e for e in self.claim.entities if _found(term_pattern([e], _NAME_SUFFIX), text))

    def candidates(self, sentences: Sequence[Sentence]) -> list[Candidate]:
        found: list[Candidate] = []
        last_direct: Sentence | None = None
        for i, sentence in enumerate(sentences):
            if self._direct(sentence.text):
                found.append(Candidate(sentence, sentences[i - 1] if i > 0 else None, via_context=False))
                last_direct = sentence
            elif (
                last_direct is not None
                and last_direct.paragraph >= sentence.paragraph - 1
                and sentence.index - last_direct.index <= LOOKBACK
                and self._refers_back(sentence.text)
            ):
                found.append(Candidate(sentence, last_direct, via_context=True))
        return found

    def _refers_back(self, text: str) -> bool:
        if _ANAPHOR.search(text) is None:
            return False
        has_keyword = self._keywords is not None and self._keywords.search(text) is not None
        return has_keyword or _EPISTEMIC.search(text) is not None


def _found(pattern: TermPattern | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


def keyword_forms(word: str) -> list[str]:
    """The forms a keyword also matches. A lowercase word or phrase the dictionary knows: the
    inflections of its (last) word (`inflection.phrase_forms`: "units" -> "unit", never "united";
    "acquire" -> "acquired", "acquiring"). Another word (a name, an unknown word): singular for a
    plural, and the other inflections of a verb given as -ed or -ing ("deployed" -> "deploy",
    "deploying")."""
    known = phrase_forms(word)
    if known:
        return list(known)
    forms = {word}
    low = word.lower()
    if low.endswith("ies"):
        forms.add(word[:-3] + "y")
    elif low.endswith("s") and not low.endswith("ss"):
        forms.add(word[:-1])
    for ending in ("ing", "ed"):
        if low.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            forms |= {stem, stem + "e", stem + "s", stem + "ed", stem + "ing"}
    return sorted(forms, key=len, reverse=True)


_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Z]")


def claim_from_text(claim_id: str, text: str) -> ClaimSpec:
    """A claim spec for a bare claim sentence (a headline in an evaluation set, a claim typed at the
    command line): no entities or keywords were written for it, so they are guessed.

    Entities are the proper nouns: capitalised words after the first, and acronyms. In a headline
    written in title case, or one with no proper noun, every content word counts as an entity, so the
    entity gate lets through any text that shares a content word with the claim.
    """
    tokens = _TOKEN.findall(text)
    content = [t for t in tokens if t.casefold() not in _STOPWORDS and len(t) > 2]
    lower = [t for t in content if t[0].islower()]
    if len(lower) >= max(1, len(content) // 3):
        proper = [
            t
            for i, t in enumerate(tokens)
            if (t.isupper() and len(t) > 1)
            or (t[0].isupper() and (i > 0 or (len(tokens) > 1 and tokens[1][0].isupper())))
        ]
        entities = [t for t in proper if t.casefold() not in _STOPWORDS]
    else:
        entities = []
    if not entities:
        return ClaimSpec(
            claim_id, text, tuple(dict.fromkeys(content)) or (text.strip() or "?",), guessed=True
        )
    return ClaimSpec(claim_id, text, tuple(dict.fromkeys(entities)), guessed=True)
