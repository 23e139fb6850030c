"""The one schema of what is known: the web API's responses and the CLI's `--json` output.

`monitor claims|evidence|timeline|alerts --json` print these models, and /api returns them, so a field
means the same in both (a test validates the CLI's output against them). Times are ISO 8601 with their
UTC offset, as `datetime.isoformat()` writes them. Models forbid unknown fields: a field added to a
query and not here fails the tests instead of drifting.

Nothing here holds a secret: a delivery names its target by key ("channel:hash of the URL"), a
source's URL has its credentials and query values masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from monitor.domain import ClaimStatus, EventKind


def _iso(value: datetime) -> str:
    return value.isoformat()


Timestamp = Annotated[
    AwareDatetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A time with its UTC offset, written as `isoformat()` does ("2024-10-16T00:00:00+00:00")."""

EvidenceStance = Literal["confirm", "contradict", "discuss"]
PolarStance = Literal["confirm", "contradict"]
DeliveryState = Literal["pending", "sending", "sent", "retry", "failed", "unknown"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimSummary(Model):
    """A tracked claim: its stored status and why, and what stands behind it now."""

    claim_id: str
    claim: str = Field(description="The claim's sentence.")
    status: ClaimStatus
    status_reason: str
    status_changed_at: Timestamp | None
    confirm: int = Field(description="Evidence sentences that confirm the claim (every report counted).")
    contradict: int = Field(description="Evidence sentences that contradict the claim.")
    discuss: int = Field(description="Evidence sentences that only discuss the claim.")
    last_evidence: Timestamp | None = Field(description="Publication date of the newest evidence.")
    confirming_sources: int = Field(description="Independent sources whose current position confirms.")
    contradicting_sources: int = Field(description="Independent sources whose current position contradicts.")
    tracked: bool = Field(description="False when the current rules no longer list the claim.")


class Position(Model):
    """A source's current position on a claim: its latest statement."""

    source: str = Field(description="The independent source (a speaker, or the outlet that published first).")
    stance: PolarStance
    since: Timestamp = Field(description="When the statement was first made.")
    since_estimated: bool = Field(
        description="True when the date is an estimate (the article had no date of its own)."
    )
    sentence: str
    speaker: str | None
    outlet: str
    article_id: int
    url: str | None


class ClaimDetail(ClaimSummary):
    positions: list[Position] = Field(description="Each source's current position, oldest first.")


class Evidence(Model):
    """An evidence sentence for a claim, as stored (reprints and recaps included)."""

    claim_id: str
    status: ClaimStatus = Field(description="The claim's current status.")
    stance: EvidenceStance
    confidence: float
    sentence: str
    speaker: str | None
    via: str | None = Field(description="Who reported the speaker's words, when the sentence says.")
    source: str = Field(description="Where the article was found: source name / item key.")
    outlet: str | None
    published: Timestamp
    published_estimated: bool
    article_id: int
    article_title: str
    url: str | None = Field(description="The article's link, when it has one.")
    start: int = Field(description="The sentence's start offset in the article text.")
    end: int
    recap: bool = Field(description="The sentence recaps an earlier report.")
    cues: list[str] = Field(description="The rules that decided the stance.")


class Repeat(Model):
    """A later report of a statement: linked to it, not counted again."""

    date: Timestamp
    outlet: str
    article_id: int
    title: str
    recap: bool


class StatementRow(Model):
    type: Literal["statement"] = "statement"
    date: Timestamp = Field(description="When the statement was first made.")
    date_estimated: bool
    source: str = Field(description="The independent source the statement counts for.")
    speaker: str | None
    via: str | None
    stance: PolarStance
    confidence: float
    sentence: str
    outlet: str
    article_id: int
    title: str
    url: str | None
    location: str = Field(description="Where the article was found: source name / item key.")
    repeats: list[Repeat]
    event: EventKind | None = Field(description="The ledger event the statement made, if any.")
    why: str | None


class StatusRow(Model):
    type: Literal["status"] = "status"
    date: Timestamp
    old_status: ClaimStatus
    status: ClaimStatus
    why: str


TimelineRow = Annotated[StatementRow | StatusRow, Field(discriminator="type")]


class Timeline(Model):
    """A claim's history: statements (with their repeats) and status changes, in the order things were
    said; on one day, statements come before the status change they caused."""

    claim_id: str
    status: ClaimStatus
    rows: list[TimelineRow]


class Delivery(Model):
    channel: str = Field(description='The target\'s key, "channel:hash of its URL" (never the URL).')
    state: DeliveryState
    attempts: int
    due_at: Timestamp
    sent_at: Timestamp | None
    last_error: str | None


class Alert(Model):
    id: int
    created_at: Timestamp
    event: EventKind
    claim_id: str | None
    title: str
    confidence: float
    deliveries: list[Delivery]


class Verdict(Model):
    """An article's overall stance on a claim."""

    claim_id: str
    stance: EvidenceStance
    confidence: float


class Article(Model):
    id: int
    title: str
    url: str | None
    outlet: str | None
    source: str = Field(description="The source it was found in (see /api/sources).")
    location: str = Field(description="Source name / item key.")
    published: Timestamp
    published_estimated: bool
    story_id: int | None = Field(description="The first stored article of the story this one copies.")
    verdicts: list[Verdict]


class ArticlePage(Model):
    items: list[Article] = Field(description="Newest first (by publication date, then id).")
    total: int = Field(description="Articles matching the filters, on all pages.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class SourceHealth(Model):
    name: str
    kind: str
    url: str | None = Field(description="The feed's URL with credentials and query values masked.")
    in_rules: bool = Field(description="False when the current rules no longer list the source.")
    last_attempt_at: Timestamp | None
    last_success_at: Timestamp | None
    last_poll_seconds: float | None = Field(description="How long the last poll took.")
    consecutive_failures: int
    last_error: str | None
    next_check_at: Timestamp | None = Field(description="When it is due next (later while backing off).")
    failing_alerted: bool = Field(description="A 'source is failing' alert is out (no recovery yet).")


class Problem(Model):
    detail: str


class Health(Model):
    status: Literal["ok"] = "ok"


class Readiness(Model):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description='Each check\'s result: "ok", or what is wrong.')


def as_json(value: Model | Sequence[Model]) -> str:
    """JSON text of a model or of a list of models (the CLI's `--json`)."""
    if isinstance(value, Model):
        return value.model_dump_json()
    return "[" + ",".join(item.model_dump_json() for item in value) + "]"
