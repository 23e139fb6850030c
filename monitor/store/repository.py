"""Reads and writes on an open session. These helpers never commit: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import CompoundSelect, and_, delete, func, insert, or_, select, union_all, update
from sqlalchemy.orm import Session

from monitor.domain import Article, ClaimSpec, ClaimStatus, Evidence, Planned, Stance
from monitor.ingest.article import FILE_TIME, GUESSED_YEAR, year_is_guess
from monitor.ingest.dates import YEAR_FROM_FILE_TIME, as_utc
from monitor.ledger.alerts import AlertDraft
from monitor.ledger.statements import LedgerEntry, unnamed_outlet
from monitor.store.db import insert_missing, insert_new
from monitor.store.models import (
    AlertRow,
    ArticleClaimRow,
    ArticleRow,
    ArticleTopicRow,
    ClaimRow,
    DeliveryRow,
    EvidenceRow,
    LedgerEventRow,
    SourceItemRow,
    SourceRow,
    StatusChangeRow,
    StoryBandRow,
    StorySignatureRow,
    utcnow,
)


def item_states(
    session: Session, *, source_id: int, keys: Sequence[str]
) -> dict[str, tuple[str, int | None]]:
    """The stored (content hash, article id) of each of these items that the source has seen."""
    if not keys:
        return {}
    rows = session.execute(
        select(SourceItemRow.key, SourceItemRow.content_hash, SourceItemRow.article_id).where(
            SourceItemRow.source_id == source_id, SourceItemRow.key.in_(list(keys))
        )
    )
    return {key: (content_hash, article_id) for key, content_hash, article_id in rows}


def record_item(
    session: Session,
    *,
    source_id: int,
    key: str,
    content_hash: str,
    article_id: int | None,
    error: str | None,
    known: bool,
) -> None:
    """Store the item's current version: insert a new item, or update a known one."""
    if not known:
        session.add(
            SourceItemRow(
                source_id=source_id, key=key, content_hash=content_hash, article_id=article_id, error=error
            )
        )
        return
    session.execute(
        update(SourceItemRow)
        .where(SourceItemRow.source_id == source_id, SourceItemRow.key == key)
        .values(content_hash=content_hash, article_id=article_id, error=error, updated_at=utcnow())
    )


def find_article(session: Session, *, fingerprint: str, url_key: str | None) -> int | None:
    """An article with the same text, or with the same canonical link."""
    match = ArticleRow.fingerprint == fingerprint
    if url_key:
        match = or_(match, ArticleRow.url_key == url_key)
    return session.scalar(select(ArticleRow.id).where(match).order_by(ArticleRow.id).limit(1))


def add_article(
    session: Session, *, article: Article, fingerprint: str, url_key: str | None, topics: Iterable[str]
) -> int:
    row = ArticleRow(
        fingerprint=fingerprint,
        title=article.title,
        text=article.text,
        url=article.url,
        url_key=url_key,
        outlet=article.outlet,
        author=article.author,
        published_at=article.published,
        published_estimated=article.published_estimated,
        date_origin=article.date_origin,
        source_name=article.source,
        source_key=article.key,
    )
    session.add(row)
    session.flush()
    session.add_all(ArticleTopicRow(article_id=row.id, topic=t) for t in topics)
    return row.id


def replace_article(
    session: Session, *, article_id: int, article: Article, fingerprint: str, topics: Iterable[str]
) -> None:
    """An edited item: new title and text for the same article; its topics, evidence and verdicts are
    dropped here and written again by the caller."""
    row = session.get_one(ArticleRow, article_id)
    row.fingerprint, row.title, row.text, row.updated_at = fingerprint, article.title, article.text, utcnow()
    row.published_at, row.published_estimated = article.published, article.published_estimated
    row.date_origin = article.date_origin
    session.execute(delete(ArticleTopicRow).where(ArticleTopicRow.article_id == article_id))
    session.execute(delete(EvidenceRow).where(EvidenceRow.article_id == article_id))
    session.execute(delete(ArticleClaimRow).where(ArticleClaimRow.article_id == article_id))
    session.add_all(ArticleTopicRow(article_id=article_id, topic=t) for t in topics)


def sync_claims(session: Session, *, claims: Sequence[ClaimSpec]) -> None:
    """Create rows for new claims and keep their text current (several workers may start at once: the
    database keeps the first row of each claim)."""
    insert_missing(session, ClaimRow, [{"id": c.id, "text": c.text} for c in claims], key="id")
    texts = {c.id: c.text for c in claims}
    for row in session.scalars(select(ClaimRow).where(ClaimRow.id.in_(sorted(texts))).order_by(ClaimRow.id)):
        if row.text != texts[row.id]:
            row.text, row.updated_at = texts[row.id], utcnow()


def lock_claims(session: Session, *, claim_ids: Iterable[str]) -> None:
    """Lock these claims' rows until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE), so that
    workers storing evidence for one claim take turns replaying its ledger and writing its status and
    alerts. Always in id order: two workers locking overlapping sets never deadlock. On SQLite the
    transaction already holds the database's write lock."""
    ids = sorted(set(claim_ids))
    if ids and session.get_bind().dialect.name != "sqlite":
        session.execute(
            select(ClaimRow.id).where(ClaimRow.id.in_(ids)).order_by(ClaimRow.id).with_for_update()
        )


def add_evidence(
    session: Session,
    *,
    article_id: int,
    article: Article,
    items: Sequence[Evidence],
    sentence_keys: Sequence[str],
) -> None:
    for item, key in zip(items, sentence_keys, strict=True):
        session.add(
            EvidenceRow(
                claim_id=item.claim_id,
                article_id=article_id,
                sentence=item.sentence.text,
                sentence_key=key,
                start=item.sentence.start,
                end=item.sentence.end,
                context=item.context,
                speaker=item.attribution.speaker,
                via=item.attribution.via,
                stance=item.stance.value,
                confidence=item.judgement.confidence,
                cues=list(item.judgement.cues),
                recap=item.judgement.recap,
                published_at=article.published,
            )
        )


def set_verdict(
    session: Session, *, article_id: int, claim_id: str, stance: Stance, confidence: float
) -> None:
    session.add(
        ArticleClaimRow(article_id=article_id, claim_id=claim_id, stance=stance.value, confidence=confidence)
    )


@dataclass(frozen=True, slots=True)
class LedgerRows:
    """Evidence of a claim as the ledger reads it, with what the store knows of it."""

    entries: list[LedgerEntry]
    story_first: dict[int, int]
    """Each story of these entries: its first article, whose outlet is the source of their
    unattributed sentences (a later article that becomes the story's first changes that)."""


_ARTICLE_FACTS = (
    ArticleRow.id,
    ArticleRow.fingerprint,
    ArticleRow.title,
    ArticleRow.url,
    ArticleRow.outlet,
    ArticleRow.published_at,
    ArticleRow.published_estimated,
    ArticleRow.date_origin,
    ArticleRow.source_name,
    ArticleRow.source_key,
    ArticleRow.story_id,
)
"""What the ledger reads of an article: everything but its text."""


def ledger_entries(session: Session, *, claim_id: str, after: int = 0) -> LedgerRows:
    """The claim's evidence sentences stored after evidence id `after` (all by default), in id order,
    with what the ledger needs of their articles and stories; article text is never loaded."""
    rows = session.execute(
        select(EvidenceRow, *_ARTICLE_FACTS)
        .join(ArticleRow, ArticleRow.id == EvidenceRow.article_id)
        .where(EvidenceRow.claim_id == claim_id, EvidenceRow.id > after)
        .order_by(EvidenceRow.id)
    ).all()
    stories = {r.story_id for r in rows if r.story_id is not None}
    first: dict[int, Any] = {}
    dated: dict[int, datetime] = {}  # each story's earliest date whose year is no guess
    if stories:
        for member in session.execute(select(*_ARTICLE_FACTS).where(ArticleRow.story_id.in_(stories))):
            known = first.get(member.story_id)
            if known is None or (member.published_at, member.fingerprint) < (
                known.published_at,
                known.fingerprint,
            ):
                first[member.story_id] = member
            when = as_utc(member.published_at)
            earliest = dated.get(member.story_id)
            if not year_is_guess(member.date_origin) and (earliest is None or when < earliest):
                dated[member.story_id] = when
    entries = [
        LedgerEntry(
            evidence_id=r.EvidenceRow.id,
            article_id=r.id,
            article_key=r.fingerprint,
            stance=Stance(r.EvidenceRow.stance),
            confidence=r.EvidenceRow.confidence,
            sentence=r.EvidenceRow.sentence,
            start=r.EvidenceRow.start,
            speaker=r.EvidenceRow.speaker,
            via=r.EvidenceRow.via,
            outlet=outlet_label(first.get(r.story_id or -1, r)),
            article_outlet=outlet_label(r),
            published=as_utc(r.published_at),
            estimated=r.date_origin == FILE_TIME,
            recap=r.EvidenceRow.recap,
            title=r.title,
            url=r.url,
            location=f"{r.source_name}/{r.source_key}",
            date_origin=r.date_origin if r.published_estimated and r.date_origin != FILE_TIME else "",
            story_date=dated.get(r.story_id) if r.story_id is not None else None,
        )
        for r in rows
    ]
    return LedgerRows(entries, {story: member.id for story, member in first.items()})


def story_first(session: Session, *, story_id: int) -> int | None:
    """The story's first article (earliest published, then by fingerprint), as `ledger_entries` reads it."""
    return session.scalar(
        select(ArticleRow.id)
        .where(ArticleRow.story_id == story_id)
        .order_by(ArticleRow.published_at, ArticleRow.fingerprint)
        .limit(1)
    )


def evidence_stamp(session: Session, *, claim_id: str) -> tuple[int, int, int]:
    """(count, greatest id, sum of ids) of the claim's evidence: it changes whenever evidence is added
    or removed, so a ledger kept in memory can tell whether it still holds all of it (an index scan)."""
    count, top, total = session.execute(
        select(func.count(EvidenceRow.id), func.max(EvidenceRow.id), func.sum(EvidenceRow.id)).where(
            EvidenceRow.claim_id == claim_id
        )
    ).one()
    return int(count), int(top or 0), int(total or 0)


def place_articles(session: Session, *, dates: Mapping[int, tuple[datetime, str]]) -> None:
    """Give articles whose year was a guess from the file time the date the ledger placed them at
    (`monitor.ledger.statements.place_years`: the year of their story or of the statements they
    repeat), with its `date_origin`; their evidence too. Articles no longer guessed are left alone."""
    for article_id, (published, origin) in dates.items():
        row = session.get(ArticleRow, article_id)
        if row is None or row.date_origin != YEAR_FROM_FILE_TIME:
            continue
        row.published_at, row.date_origin = published, origin
        session.execute(
            update(EvidenceRow).where(EvidenceRow.article_id == article_id).values(published_at=published)
        )


class _Published(Protocol):
    @property
    def outlet(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def title(self) -> str: ...


def outlet_label(article: _Published) -> str:
    """Who published an article: its outlet (from the feed, the file's front matter, the source's
    `outlet:` option or the "..., X reports" line), else its link's host, else an unnamed outlet
    labelled by the article's title (`monitor.ledger.statements.unnamed_outlet`). Never the
    file name or source key: that is where the article was found (`location`), not who published it."""
    if article.outlet:
        return article.outlet
    host = urlsplit(article.url).hostname if article.url else None
    if host:
        return host.removeprefix("www.")
    return unnamed_outlet(article.title)


def last_evidence(session: Session, *, claim_id: str) -> tuple[int, datetime] | None:
    """The claim's most recently stored evidence: (id, when it was stored); None if it has none."""
    row = session.execute(
        select(EvidenceRow.id, EvidenceRow.created_at)
        .where(EvidenceRow.claim_id == claim_id)
        .order_by(EvidenceRow.created_at.desc(), EvidenceRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], as_utc(row[1]))


def handled_events(session: Session, *, claim_id: str, keys: Iterable[str] | None = None) -> set[str]:
    """The keys of the claim's events already handled; only among `keys` when given."""
    query = select(LedgerEventRow.key).where(LedgerEventRow.claim_id == claim_id)
    if keys is None:
        return set(session.scalars(query))
    wanted, found = sorted(set(keys)), set()
    for i in range(0, len(wanted), 500):  # bound the IN list
        found |= set(session.scalars(query.where(LedgerEventRow.key.in_(wanted[i : i + 500]))))
    return found


def add_event(session: Session, *, claim_id: str, key: str, kind: str, alerted: bool) -> None:
    session.add(LedgerEventRow(claim_id=claim_id, key=key, kind=kind, alerted=alerted))


def story_candidates(
    session: Session, *, bands: Sequence[str], published: datetime, window: timedelta | None
) -> list[tuple[int, int, bytes]]:
    """Stored articles sharing a band key and published within `window` of `published` (at any time
    when `window` is None: an article whose year is a guess), or whose own year is a guess from the file
    time: (article id, story id, signature), first stored first.

    Two statements: the articles sharing a band first (`sharing_a_band`), then those of them in the
    window, by id. As one statement with a subquery, PostgreSQL planned it the other way round: every
    article in the window (up to a month of the store) scanned, each probed for a shared band."""
    if not bands:
        return []
    per_branch = None if session.get_bind().dialect.name == "sqlite" else _BANDS_PER_BRANCH
    sharing = sorted(set(session.scalars(sharing_a_band(sorted(set(bands)), per_branch=per_branch))))
    found: list[tuple[int, int, bytes]] = []
    for first in range(0, len(sharing), _IDS_PER_STATEMENT):
        query = (
            select(ArticleRow.id, ArticleRow.story_id, StorySignatureRow.signature)
            .join(StorySignatureRow, StorySignatureRow.article_id == ArticleRow.id)
            .where(ArticleRow.id.in_(sharing[first : first + _IDS_PER_STATEMENT]))
            .order_by(ArticleRow.id)
        )
        if window is not None:
            near = ArticleRow.published_at.between(published - window, published + window)
            query = query.where(or_(near, ArticleRow.date_origin.in_(GUESSED_YEAR)))
        found += [(aid, story or aid, sig) for aid, story, sig in session.execute(query)]
    return found


_IDS_PER_STATEMENT = 1000
_BANDS_PER_BRANCH = 4


def sharing_a_band(bands: Sequence[str], *, per_branch: int | None) -> CompoundSelect[tuple[int]]:
    """The ids of the articles with any of these band keys: one UNION ALL branch per `per_branch` keys
    (None: one branch), each an index lookup. PostgreSQL plans one `band IN (64 keys)` as a scan of the
    whole table when it has no statistics of it (never analysed: autovacuum off), guessing that 64 keys
    match a third of the rows; a few keys per branch it looks up in the index whatever its statistics
    say. SQLite looks any IN list up in the index, and one branch is cheaper there."""
    size = per_branch or max(len(bands), 1)
    branches = [
        select(StoryBandRow.article_id).where(StoryBandRow.band.in_(bands[i : i + size]))
        for i in range(0, len(bands), size)
    ]
    return union_all(*branches)


"""Ids bound in one IN list (SQLite allows 32,766 parameters; a band shared by more articles is split)."""


def set_story(
    session: Session,
    *,
    article_id: int,
    story_id: int,
    signature: bytes,
    bands: Sequence[str],
    replace: bool = True,
) -> None:
    """Set the article's story and store its signature and bands (replacing those it had unless
    `replace` is False). The rows go in as Core
    statements (one executemany for the bands), not as ORM objects: an article has dozens of bands,
    and flushing them one object at a time was a fifth of a first pass (issue 19)."""
    session.get_one(ArticleRow, article_id).story_id = story_id
    if replace:  # `replace=False`: a new article, which has none yet
        session.execute(delete(StorySignatureRow).where(StorySignatureRow.article_id == article_id))
        session.execute(delete(StoryBandRow).where(StoryBandRow.article_id == article_id))
    session.execute(insert(StorySignatureRow), [{"article_id": article_id, "signature": signature}])
    rows = [{"band": b, "article_id": article_id} for b in sorted(set(bands))]
    if rows:
        session.execute(insert(StoryBandRow), rows)


def change_status(
    session: Session, *, claim_id: str, new: ClaimStatus, reason: str, article_id: int | None
) -> tuple[ClaimStatus, int] | None:
    """Store the claim's status; returns (old status, change id) when it changed, else None."""
    row = session.get_one(ClaimRow, claim_id)
    old = ClaimStatus(row.status)
    row.status_reason, row.updated_at = reason, utcnow()
    if old is new:
        return None
    row.status, row.status_changed_at = new.value, utcnow()
    change = StatusChangeRow(
        claim_id=claim_id, old_status=old.value, new_status=new.value, reason=reason, article_id=article_id
    )
    session.add(change)
    session.flush()
    return old, change.id


def add_alert(
    session: Session, *, draft: AlertDraft, article_id: int | None, deliveries: Sequence[Planned]
) -> int | None:
    """Write the alert and its planned deliveries (pending); None if the alert already exists (its
    unique dedupe key decides, also between workers writing it at the same moment)."""
    alert_id: int | None = insert_new(
        session,
        AlertRow,
        {
            "dedupe_key": draft.dedupe_key,
            "event": draft.event.value,
            "claim_id": draft.claim_id,
            "source_name": draft.payload.get("source") if draft.claim_id is None else None,
            "article_id": article_id,
            "confidence": draft.confidence,
            "title": draft.title,
            "body": draft.body,
            "payload": draft.payload,
        },
        key="dedupe_key",
    )
    if alert_id is None:
        return None
    for planned in deliveries:
        session.add(
            DeliveryRow(
                alert_id=alert_id, route=planned.target, due_at=planned.due_at, group_key=planned.group
            )
        )
    return alert_id


# Read models for the CLI's --json and the web API (monitor/web/schemas.py): stable field names.


def claims_overview(session: Session) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {
        (claim_id, stance): n
        for claim_id, stance, n in session.execute(
            select(EvidenceRow.claim_id, EvidenceRow.stance, func.count()).group_by(
                EvidenceRow.claim_id, EvidenceRow.stance
            )
        )
    }
    last = dict(
        session.execute(
            select(EvidenceRow.claim_id, func.max(EvidenceRow.published_at)).group_by(EvidenceRow.claim_id)
        ).all()
    )
    out = []
    for row in session.scalars(select(ClaimRow).order_by(ClaimRow.id)):
        out.append(
            {
                "claim_id": row.id,
                "claim": row.text,
                "status": row.status,
                "status_reason": row.status_reason,
                "status_changed_at": row.status_changed_at.isoformat() if row.status_changed_at else None,
                "confirm": counts.get((row.id, "confirm"), 0),
                "contradict": counts.get((row.id, "contradict"), 0),
                "discuss": counts.get((row.id, "discuss"), 0),
                "last_evidence": last[row.id].isoformat() if last.get(row.id) else None,
            }
        )
    return out


def evidence_for(
    session: Session,
    *,
    claim_id: str,
    stance: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The claim's evidence sentences, oldest first (by publication date, article, position)."""
    query = (
        select(EvidenceRow, ArticleRow, ClaimRow.status)
        .join(ArticleRow, ArticleRow.id == EvidenceRow.article_id)
        .join(ClaimRow, ClaimRow.id == EvidenceRow.claim_id)
        .where(EvidenceRow.claim_id == claim_id)
        .order_by(EvidenceRow.published_at, ArticleRow.id, EvidenceRow.start)
        .offset(offset)
        .limit(limit)
    )
    if stance:
        query = query.where(EvidenceRow.stance == stance)
    return [
        {
            "claim_id": ev.claim_id,
            "status": status,
            "stance": ev.stance,
            "confidence": ev.confidence,
            "sentence": ev.sentence,
            "speaker": ev.speaker,
            "via": ev.via,
            "source": f"{art.source_name}/{art.source_key}",
            "outlet": art.outlet,
            "published": art.published_at.isoformat(),
            "published_estimated": art.published_estimated,
            "article_id": art.id,
            "article_title": art.title,
            "url": art.url,
            "start": ev.start,
            "end": ev.end,
            "recap": ev.recap,
            "cues": ev.cues,
        }
        for ev, art, status in session.execute(query).all()
    ]


def alerts_overview(session: Session, *, failed_only: bool, limit: int) -> list[dict[str, Any]]:
    """Newest alerts first, each with its deliveries (channel, state, attempts, due, last error)."""
    query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
    if failed_only:
        bad = select(DeliveryRow.alert_id).where(DeliveryRow.state.in_(("failed", "unknown")))
        query = query.where(AlertRow.id.in_(bad))
    alerts = session.scalars(query).all()
    deliveries: dict[int, list[DeliveryRow]] = {}
    ids = [a.id for a in alerts]
    for d in session.scalars(
        select(DeliveryRow).where(DeliveryRow.alert_id.in_(ids)).order_by(DeliveryRow.id)
    ):
        deliveries.setdefault(d.alert_id, []).append(d)
    return [
        {
            "id": a.id,
            "created_at": as_utc(a.created_at).isoformat(),
            "event": a.event,
            "claim_id": a.claim_id,
            "title": a.title,
            "confidence": a.confidence,
            "deliveries": [
                {
                    "channel": d.route,
                    "state": d.state,
                    "attempts": d.attempts,
                    "due_at": as_utc(d.due_at).isoformat(),
                    "sent_at": as_utc(d.sent_at).isoformat() if d.sent_at else None,
                    "last_error": d.last_error,
                }
                for d in deliveries.get(a.id, [])
            ],
        }
        for a in alerts
    ]


def articles_page(
    session: Session,
    *,
    limit: int,
    after: tuple[datetime, int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    claim_id: str | None = None,
    stance: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Articles newest first (publication date, then id) and how many match in all: published in
    [since, until), found in `source` (an article found in two sources is in both), with a verdict on
    `claim_id` and/or of `stance`. `after` is the (published, id) of the previous page's last article."""
    match = []
    if since is not None:
        match.append(ArticleRow.published_at >= since)
    if until is not None:
        match.append(ArticleRow.published_at < until)
    if source is not None:
        found = (
            select(SourceItemRow.article_id)
            .join(SourceRow, SourceRow.id == SourceItemRow.source_id)
            .where(SourceRow.name == source)
        )
        match.append(or_(ArticleRow.id.in_(found), ArticleRow.source_name == source))
    if claim_id is not None or stance is not None:
        verdicts = select(ArticleClaimRow.article_id)
        if claim_id is not None:
            verdicts = verdicts.where(ArticleClaimRow.claim_id == claim_id)
        if stance is not None:
            verdicts = verdicts.where(ArticleClaimRow.stance == stance)
        match.append(ArticleRow.id.in_(verdicts))
    total = session.scalar(select(func.count()).select_from(ArticleRow).where(*match)) or 0
    page = select(ArticleRow).where(*match)
    if after is not None:
        published, article_id = after
        page = page.where(
            or_(
                ArticleRow.published_at < published,
                and_(ArticleRow.published_at == published, ArticleRow.id < article_id),
            )
        )
    rows = session.scalars(page.order_by(ArticleRow.published_at.desc(), ArticleRow.id.desc()).limit(limit))
    articles = list(rows)
    verdicts_of: dict[int, list[dict[str, Any]]] = {}
    if articles:
        query = (
            select(ArticleClaimRow)
            .where(ArticleClaimRow.article_id.in_([a.id for a in articles]))
            .order_by(ArticleClaimRow.claim_id)
        )
        for v in session.scalars(query):
            verdicts_of.setdefault(v.article_id, []).append(
                {"claim_id": v.claim_id, "stance": v.stance, "confidence": v.confidence}
            )
    return [
        {
            "id": a.id,
            "title": a.title,
            "url": a.url,
            "outlet": a.outlet,
            "source": a.source_name,
            "location": f"{a.source_name}/{a.source_key}",
            "published": as_utc(a.published_at).isoformat(),
            "published_estimated": a.published_estimated,
            "story_id": a.story_id,
            "verdicts": verdicts_of.get(a.id, []),
        }
        for a in articles
    ], total


def sources_overview(session: Session) -> list[SourceRow]:
    """Every source polled so far, by name, with its polling state and health."""
    return list(session.scalars(select(SourceRow).order_by(SourceRow.name)))


@dataclass(frozen=True)
class Totals:
    """What /metrics reports from the database."""

    articles: int
    evidence: dict[str, int]
    """Evidence sentences by stance."""
    alerts: dict[str, int]
    """Alerts by event."""
    deliveries: dict[str, int]
    """Deliveries by state."""
    claims: dict[str, str]
    """Each claim's status."""


def totals(session: Session) -> Totals:
    def grouped(column: Any) -> dict[str, int]:
        return {str(key): int(n) for key, n in session.execute(select(column, func.count()).group_by(column))}

    return Totals(
        articles=int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0),
        evidence=grouped(EvidenceRow.stance),
        alerts=grouped(AlertRow.event),
        deliveries=grouped(DeliveryRow.state),
        claims={
            claim_id: status for claim_id, status in session.execute(select(ClaimRow.id, ClaimRow.status))
        },
    )


def retry_deliveries(session: Session, *, alert_id: int) -> int:
    """Queue an alert's failed or unknown deliveries again, due now, with a fresh attempt count."""
    result = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.alert_id == alert_id, DeliveryRow.state.in_(("failed", "unknown")))
        .values(state="pending", attempts=0, due_at=utcnow(), lease_until=None, updated_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_exists(session: Session, *, claim_id: str) -> bool:
    return session.get(ClaimRow, claim_id) is not None
