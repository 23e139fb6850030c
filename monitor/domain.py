"""Pure domain objects that flow through the pipeline.

source -> article -> dedupe -> match -> stance -> evidence/ledger -> store -> alert outbox -> notify

Nothing here does I/O; every other module speaks in these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Stance(enum.StrEnum):
    """What a sentence or an article says about a claim."""

    CONFIRM = "confirm"
    CONTRADICT = "contradict"
    DISCUSS = "discuss"
    UNRELATED = "unrelated"


class ClaimStatus(enum.StrEnum):
    """Where a claim stands, from the evidence gathered so far."""

    UNVERIFIED = "unverified"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CONTESTED = "contested"
    REFUTED = "refuted"


class EventKind(enum.StrEnum):
    """Events that can raise an alert (the `events` list of an alert route)."""

    CONFIRMATION = "confirmation"
    """A new independent source confirms the claim."""
    CONTRADICTION = "contradiction"
    """A new independent source contradicts the claim."""
    POSITION_CHANGE = "position_change"
    """A source moved from one stance to the other."""
    STATUS_CHANGE = "status_change"
    SILENCE = "silence"
    """No new evidence on a claim for the configured time (`ledger.silence`)."""
    SOURCE_HEALTH = "source_health"


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A document as a source hands it over, before it is read as an article.

    `key` identifies the item within its source (a file path, later a feed GUID); `content_hash` is
    the hash of the raw bytes, so a changed item is read again. `observed` is when the item was seen
    (a file's modification time), the date of last resort.
    """

    source: str
    key: str
    content_hash: str
    title: str
    text: str
    observed: datetime
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: datetime | None = None
    published_estimated: bool = False
    date_origin: str = "unknown"


@dataclass(frozen=True, slots=True)
class Article:
    """A readable article. `text` starts with the title, so sentence offsets refer to `text`."""

    source: str
    key: str
    content_hash: str
    title: str
    text: str
    published: datetime
    published_estimated: bool
    date_origin: str
    url: str | None = None
    outlet: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article with its character offsets in `Article.text`."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who said a sentence, when the text says so.

    `speaker` is the person or body making the statement ("Pentagon chief Lloyd Austin");
    `via` is the outlet or channel it is reported through ("Yonhap" in "according to Yonhap").
    """

    speaker: str | None = None
    via: str | None = None

    @property
    def label(self) -> str | None:
        return self.speaker or self.via


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """A tracked claim as the stance layer sees it (built from the YAML rules)."""

    id: str
    text: str
    entities: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    guessed: bool = False
    """Entities and keywords were guessed from the claim sentence (match.claim_from_text), not written
    by a user: engines that measure relevance themselves then do not take a keyword match as proof."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """A stance engine's verdict on one sentence, with the cues that decided it."""

    stance: Stance
    confidence: float
    cues: tuple[str, ...] = ()
    recap: bool = False
    explicit: bool = True
    """An explicit cue in the sentence decided (a denial, "confirmed that", a hedge), so it reads as
    evidence on its own; False when a trained layer judged the sentence as a whole. Alerts quote
    explicit sentences first."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of an article that bears on a claim."""

    claim_id: str
    sentence: Sentence
    judgement: Judgement
    attribution: Attribution
    context: str | None = None

    @property
    def stance(self) -> Stance:
        return self.judgement.stance


@dataclass(frozen=True, slots=True)
class ArticleVerdict:
    """An article's overall stance on one claim, with the evidence behind it."""

    claim_id: str
    stance: Stance
    confidence: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery to write with an alert: its target, when it is due, and the group it goes out with."""

    target: str
    due_at: datetime
    group: str | None
