"""Statements: who said what about a claim, and when it was first said.

Evidence sentences become statements here. One statement is one source holding one stance in one
wording. A repeat of it is linked to it and never counted as new, whether the repeat is a recap
paragraph, a reprint, or another outlet quoting it.

- **Source.** The speaker, normalised by `monitor.ledger.identities` (NATO, NATO Secretary General Mark Rutte
  and Rutte are one). With no speaker, it is the outlet the text says it comes through ("according to
  Yonhap"). Failing that, it is the outlet that first published the story: forty reprints of one
  wire story are one source. A speaker or `via` that names nobody ("head of state", "the media",
  "sources", "a source familiar with the talks": `identities.is_generic`) is no source of its own:
  its sentence counts like an unattributed one, for the `via` or the outlet that carries it.
- **Unnamed outlets.** A story whose outlet nothing names (no feed, front matter, `outlet:` option,
  "..., X reports" line or link) is still one publisher: the store labels it `unnamed_outlet(...)`
  ('unnamed outlet ("Title...")'), never by its file name. Such a label is its
  own identity: the resolver never sees it, so two unnamed stories are never merged with each other
  or with a named source.
- **Date.** The day the sentence says the statement was made ("On October 17, Zelenskyy said ..."),
  only a past reporting date, never a plan's ("will be sworn in on January 2"; see
  `monitor.ingest.dates`), and never after the article. Failing that, the article's date. A date
  estimated from the text or the file time is kept, but marked (`LedgerEntry.date_note`).
- **Year of an undated article.** An article without a date of its own that gives days without a year
  ("On October 18, ...") and no full date is dated by the ingest stage with the file time's year, a
  guess (`YEAR_FROM_FILE_TIME`). `place_years` (run first, on the claim's sentences of every stance)
  takes its year, in order, from its story (the earliest article of the story whose year is known,
  `LedgerEntry.story_date`), else from the latest dated sentence one of its sentences repeats (same
  source and stance, wordings overlapping), else from the latest dated sentence of a named speaker of
  it with the same stance (the weaker repeat that linking uses, below). Its day and its sentences'
  days take the year that puts them nearest that date, never later than the guess; they stay marked
  as estimated, and `date_note` says where the year came from. With none of these, its sentences are
  undated, as a file-time article's, and the guessed year is shown as such.
- **Repeats.** A sentence is a repeat of an earlier one when both have the same source and stance
  and their wordings overlap. The overlap is content words shared, over the shorter sentence's count,
  and it must be at least REPEAT_OVERLAP.
  - A sentence from an undated article (its date is the file time) is also a repeat of the same
    source's earlier dated statement with that stance. It is placed there, not at the file time.
  - The statement keeps its first dated wording.

Everything here is a pure function of the set of entries: any arrival order gives the same statements.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from monitor.domain import Stance
from monitor.ingest.dates import YEAR_FROM_FILE_TIME, YEAR_FROM_TEXT, near_year, statement_day
from monitor.ledger.identities import is_generic
from monitor.ledger.unionfind import UnionFind

REPEAT_OVERLAP = 0.6
FROM_STORY, FROM_REPEATS, FROM_SPEAKER = (
    "text, year from story",
    "text, year from repeats",
    "text, year from speaker",
)
"""The `date_origin` of an article `place_years` placed (the store writes it back to the article)."""
PLACED = frozenset((FROM_STORY, FROM_REPEATS, FROM_SPEAKER))
_NOTES = {
    "text": "estimated from the text",
    YEAR_FROM_TEXT: "estimated: day from the text, year from a full date in it",
    YEAR_FROM_FILE_TIME: "estimated: day from the text, year from the file time",
    FROM_STORY: "estimated: day from the text, year from its story",
    FROM_REPEATS: "estimated: day from the text, year from the dated statements it repeats",
    FROM_SPEAKER: "estimated: day from the text, year from its speakers' dated statements",
}
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the of to in on at for by with and or but that this these those is are was were be been has "
        "have had it its he she they we i said says say told stated according also not no as from into",
    )
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One stored evidence sentence, as the ledger reads it."""

    evidence_id: int
    article_id: int
    article_key: str
    """An identity of the article that does not depend on arrival order (its fingerprint)."""
    stance: Stance
    confidence: float
    sentence: str
    start: int
    speaker: str | None
    via: str | None
    outlet: str
    """Who published the story this article belongs to, first: the source of unattributed sentences."""
    article_outlet: str
    published: datetime
    estimated: bool
    """The article's date is the file time (no date in its metadata or text): only a full date in the
    sentence itself dates the statement then."""
    recap: bool = False
    title: str = ""
    url: str | None = None
    location: str = ""
    """Where the article was found (`source/key`), for articles without a link."""
    date_origin: str = ""
    """How the article's date was estimated from its text (its `date_origin`, "text" or
    "text, year from ..."); empty when the article gave its date or `estimated` says file time."""
    story_date: datetime | None = None
    """The date of the earliest article of its story whose year is known (not a guess), if any."""

    @property
    def said_at(self) -> datetime:
        found = self._found
        return found[0] if found else self.published

    @property
    def undated(self) -> bool:
        """Nothing dates the statement but the file time (its day, or the year of its article's day)."""
        return (self.estimated or self.year_unknown) and self._found is None

    @property
    def year_unknown(self) -> bool:
        """The article's date is a day from its text, in the file time's year."""
        return self.date_origin == YEAR_FROM_FILE_TIME

    @property
    def date_estimated(self) -> bool:
        """`said_at` is an estimate: the article's date is, and the sentence gives no full date."""
        found = self._found
        return (self.estimated or bool(self.date_origin)) and not (found and found[1])

    @property
    def date_note(self) -> str:
        """How `said_at` was estimated, for people ("file time: no date in the text"); empty if it was not."""
        if not self.date_estimated:
            return ""
        if self.estimated:
            return "file time: no date in the text"
        return _NOTES.get(self.date_origin, f"estimated ({self.date_origin})")

    _day: tuple[tuple[datetime, bool] | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """`_found`, worked out once (the ledger sorts and walks by it)."""

    @property
    def _found(self) -> tuple[datetime, bool] | None:
        if self._day is None:
            year_known = not (self.estimated or self.year_unknown)
            found = statement_day(self.sentence, self.published, year_known=year_known)
            object.__setattr__(self, "_day", (found,))
        assert self._day is not None
        return self._day[0]


@dataclass(frozen=True, slots=True)
class Statement:
    """One source's stance in one wording, first said at `said_at`; `repeats` are later reports of it."""

    id: str
    source: str
    stance: Stance
    said_at: datetime
    estimated: bool
    """`said_at` is an estimate (`LedgerEntry.date_estimated`): show it as one."""
    first: LedgerEntry
    repeats: tuple[LedgerEntry, ...]
    undated: bool = False
    """Nothing dates it but the file time: it cannot move a dated position (monitor.ledger.claim_ledger)."""

    @property
    def confidence(self) -> float:
        return max(e.confidence for e in (self.first, *self.repeats))

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        return (self.first, *self.repeats)


Resolve = Callable[[Iterable[str]], Mapping[str, str]]
"""Maps raw speaker and outlet names to identities (monitor.ledger.identities.SpeakerResolver.resolve)."""


UNNAMED_OUTLET = "unnamed outlet"
_TITLE_CHARS = 48


def unnamed_outlet(title: str) -> str:
    """The label of a story whose outlet is unknown: its first article's title, so that it reads
    honestly and differs from other unnamed stories ('unnamed outlet ("Troops seen near...")'). No
    date: an undated story's estimated date may still move, and its source must not."""
    short = " ".join(title.split())
    if len(short) > _TITLE_CHARS:
        short = short[: _TITLE_CHARS - 1].rstrip() + "\u2026"
    return f'{UNNAMED_OUTLET} ("{short}")' if short else f"{UNNAMED_OUTLET} (untitled)"


def is_unnamed_outlet(name: str) -> bool:
    """Whether a source name is an `unnamed_outlet` label."""
    return name.startswith(UNNAMED_OUTLET + " (")


def source_name(entry: LedgerEntry) -> str:
    """The raw name of who made the statement, before normalisation: the speaker, else the outlet the
    sentence says it comes through (`via`), else the story's outlet; a speaker or via that names nobody
    (`monitor.ledger.identities.is_generic`: "the media", "head of state") is passed over."""
    for name in (entry.speaker, entry.via):
        if name and not is_generic(name):
            return name
    return entry.outlet


def resolve_sources(names: Iterable[str], resolve: Resolve) -> dict[str, str]:
    """`resolve` over source names, with each unnamed-outlet label kept as its own identity."""
    names = set(names)
    unnamed = {n for n in names if is_unnamed_outlet(n)}
    return {**resolve(names - unnamed), **{n: n for n in unnamed}}


def link_statements(entries: Iterable[LedgerEntry], resolve: Resolve) -> list[Statement]:
    """Group polar entries into statements (see the module docstring), ordered by when they were said."""
    entries = sorted(entries, key=entry_order)
    identity = resolve_sources({source_name(e) for e in entries}, resolve)
    groups: dict[tuple[str, Stance], list[LedgerEntry]] = {}
    for entry in entries:
        groups.setdefault((identity[source_name(entry)], entry.stance), []).append(entry)
    statements = []
    for (source, stance), group in groups.items():
        statements += link_group(source, stance, group)
    return sorted(statements, key=lambda s: (s.said_at, s.estimated, entry_order(s.first)))


def link_group(source: str, stance: Stance, group: Sequence[LedgerEntry]) -> list[Statement]:
    """Union entries of one source and stance whose wordings overlap; undated ones join the earliest."""
    sets: UnionFind[int] = UnionFind()
    for i, j in _overlapping([_content(e.sentence) for e in group]):
        sets.union(i, j)
    dated = [i for i, e in enumerate(group) if not e.undated]
    if dated:
        has_date = {sets.find(i) for i in dated}
        for i, entry in enumerate(group):
            if entry.undated and sets.find(i) not in has_date:
                sets.union(i, dated[0])  # group is sorted: dated[0] is the earliest
    clusters: dict[int, list[LedgerEntry]] = {}
    for i, entry in enumerate(group):
        clusters.setdefault(sets.find(i), []).append(entry)
    statements = []
    for members in clusters.values():
        members.sort(key=entry_order)
        first = members[0]
        statements.append(
            Statement(
                id=_statement_id(source, stance, first),
                source=source,
                stance=stance,
                said_at=first.said_at,
                estimated=first.date_estimated,
                first=first,
                repeats=tuple(members[1:]),
                undated=first.undated,
            )
        )
    return statements


def place_years(entries: Iterable[LedgerEntry], resolve: Resolve) -> list[LedgerEntry]:
    """`entries` (of any stance), those of articles whose year is a guess from the file time placed in
    the year of their story or of the dated sentences they repeat (see the module docstring)."""
    entries = list(entries)
    if not any(e.year_unknown for e in entries):
        return entries
    identity = resolve_sources({source_name(e) for e in entries}, resolve)
    dated = [(e, _content(e.sentence)) for e in entries if not e.undated]
    anchors: dict[int, tuple[int, datetime, str]] = {}  # article: (tier, date, why); lower tier wins
    for entry in entries:
        if not entry.year_unknown:
            continue
        if entry.story_date is not None:
            anchors[entry.article_id] = (0, entry.story_date, FROM_STORY)
            continue
        words, source = _content(entry.sentence), identity[source_name(entry)]
        for other, other_words in dated:
            if other.stance is not entry.stance or identity[source_name(other)] != source:
                continue
            if _overlap(words, other_words) >= REPEAT_OVERLAP:
                found = (1, other.said_at, FROM_REPEATS)
            elif entry.speaker and other.speaker:
                found = (2, other.said_at, FROM_SPEAKER)
            else:
                continue
            known = anchors.get(entry.article_id)
            if known is None or (found[0], -found[1].timestamp()) < (known[0], -known[1].timestamp()):
                anchors[entry.article_id] = found  # the best tier, then the latest date
    placed = []
    for entry in entries:
        anchor = anchors.get(entry.article_id) if entry.year_unknown else None
        if anchor is None:
            placed.append(entry)
        else:
            published = near_year(entry.published, anchor[1])
            placed.append(replace(entry, published=published, date_origin=anchor[2]))
    return placed


def entry_order(entry: LedgerEntry) -> tuple[bool, datetime, str, int, str]:
    """Dated before undated, then by day said, then a fixed order within a day (article, position)."""
    return (entry.undated, entry.said_at, entry.article_key, entry.start, entry.sentence)


def _content(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.casefold()) if w not in _STOP)


def _overlapping(words: Sequence[frozenset[str]]) -> Iterator[tuple[int, int]]:
    """Pairs (i, j) whose overlap reaches REPEAT_OVERLAP, without comparing every pair (prefix
    filtering): with each set's words ordered rarest first, a set B shares enough words with a set A at
    least as large only if A contains one of B's first len(B) - needed + 1 words. So every set is
    indexed by all its words and probes the index with that prefix only."""
    frequency = Counter(w for ws in words for w in ws)
    ranked = [sorted(ws, key=lambda w: (frequency[w], w)) for ws in words]
    postings: dict[str, list[int]] = {}
    for i, tokens in enumerate(ranked):
        for word in tokens:
            postings.setdefault(word, []).append(i)
    for i, tokens in enumerate(ranked):
        needed = math.ceil(REPEAT_OVERLAP * len(tokens) - 1e-9)
        seen: set[int] = set()
        for word in tokens[: len(tokens) - needed + 1]:
            for j in postings[word]:
                if j != i and j not in seen and len(ranked[j]) >= len(tokens):
                    seen.add(j)
                    if _overlap(words[i], words[j]) >= REPEAT_OVERLAP:
                        yield i, j


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _statement_id(source: str, stance: Stance, first: LedgerEntry) -> str:
    raw = f"{source}\n{stance.value}\n{first.said_at.date().isoformat()}\n{first.sentence.casefold()}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
