"""Database schema (SQLAlchemy 2 typed models). Portable: nothing here is specific to SQLite.

Changing a model means adding an Alembic migration (`alembic/versions/`); a test checks they agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class SourceRow(Base):
    """A source and its polling state: validators for conditional GET, health, when it is due, and the
    lease of the worker polling it now (monitor.store.leases): `lease_owner` holds it until
    `lease_until`; an expired lease is a dead worker's, and any worker takes the source over."""

    __tablename__ = "sources"
    __table_args__ = (Index("ix_sources_next_check_at", "next_check_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    url: Mapped[str | None] = mapped_column(Text)
    configured_url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_check_at: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_poll_seconds: Mapped[float | None] = mapped_column()
    """How long the last poll took: the fetch and the handling of its new items."""
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    health_alerted: Mapped[bool] = mapped_column(default=False)
    poll_requested: Mapped[bool] = mapped_column(default=False)
    """A poll was asked for before the source is due (a file arrived in a watched folder)."""
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SourceItemRow(Base):
    """One item of a source (a file path, a feed entry's identity) with the hash of its current content."""

    __tablename__ = "source_items"
    __table_args__ = (UniqueConstraint("source_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    error: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleRow(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    url_key: Mapped[str | None] = mapped_column(String(1000), index=True, unique=True)
    outlet: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime] = mapped_column(index=True)
    published_estimated: Mapped[bool] = mapped_column(default=False)
    date_origin: Mapped[str] = mapped_column(String(30))
    source_name: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[str] = mapped_column(String(1000))
    story_id: Mapped[int | None] = mapped_column(index=True)
    """The first stored article of the story this one copies or rewrites (its own id if none)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column()


class StorySignatureRow(Base):
    """An article's MinHash signature (monitor.ledger.stories), to compare it with later candidates."""

    __tablename__ = "story_signatures"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class StoryBandRow(Base):
    """LSH band keys of an article's signature: articles sharing a key are near-duplicate candidates."""

    __tablename__ = "story_bands"
    # set_story replaces an article's bands: looked up by article
    __table_args__ = (Index("ix_story_bands_article_id", "article_id"),)
    band: Mapped[str] = mapped_column(String(64), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)


class ArticleTopicRow(Base):
    __tablename__ = "article_topics"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)


class ClaimRow(Base):
    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="unverified")
    status_reason: Mapped[str] = mapped_column(Text, default="no evidence yet")
    status_changed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleClaimRow(Base):
    """An article's overall stance on a claim."""

    __tablename__ = "article_claims"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    stance: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column()


class EvidenceRow(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("claim_id", "article_id", "start"),
        Index("ix_evidence_claim_sentence", "claim_id", "sentence_key"),
        Index("ix_evidence_claim_stance", "claim_id", "stance"),
        Index("ix_evidence_article_id", "article_id"),  # an updated article's evidence is replaced
        Index("ix_evidence_claim_id", "claim_id", "id"),  # the tracker's stamp and rows stored since
        # a claim's latest evidence (the silence check, every cycle): read from the index's end, not
        # sorted out of all the claim's evidence
        Index("ix_evidence_claim_created", "claim_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    sentence: Mapped[str] = mapped_column(Text)
    sentence_key: Mapped[str] = mapped_column(String(32))
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    context: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(300))
    via: Mapped[str | None] = mapped_column(String(300))
    stance: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column()
    cues: Mapped[list[str]] = mapped_column(default=list)
    recap: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChangeRow(Base):
    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    old_status: Mapped[str] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEventRow(Base):
    """A ledger event already handled (alerted, or history when it became known): replaying the
    claim's ledger again never alerts it twice. `key` is order-independent (monitor.ledger.claim_ledger)."""

    __tablename__ = "ledger_events"
    __table_args__ = (UniqueConstraint("claim_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    key: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(30))
    alerted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """An event worth telling someone about; written in the same transaction as the evidence (outbox)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(30))
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id"), index=True)
    source_name: Mapped[str | None] = mapped_column(String(200))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    confidence: Mapped[float] = mapped_column()
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryRow(Base):
    """One alert to one target (the idempotency key: alert and target, unique).

    States: pending -> sending (leased until `lease_until`) -> sent | retry (due again at `due_at`,
    backing off) -> ... | failed (the dead letter, after the last attempt) | unknown (a send interrupted
    by a crash, under the at-most-once guarantee). `group_key` gathers deliveries sent as one message
    (a digest, a debounced claim, a rate-limited channel); `batch` names the message that carried it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "route"),
        Index("ix_deliveries_state_due", "state", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    route: Mapped[str] = mapped_column(String(200))
    """The target's key (channel and a hash of its URL)."""
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    group_key: Mapped[str | None] = mapped_column(String(300))
    batch: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
