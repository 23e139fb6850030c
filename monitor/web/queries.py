"""What is known, as the models of `monitor.web.schemas`: the read side of the API and of the CLI's `--json`.

Each function reads through the session it is given and never writes. A claim's sources and positions
come from its ledger, replayed from the stored evidence as `monitor timeline` does.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from monitor.domain import Stance
from monitor.ledger.claim_ledger import Ledger
from monitor.ledger.timeline import timeline as timeline_rows
from monitor.store import repository as repo
from monitor.web import schemas

if TYPE_CHECKING:
    from monitor.app import App


def claims(app: App, session: Session) -> list[schemas.ClaimSummary]:
    """Every claim in the database, by id."""
    return [_summary(app, session, row)[0] for row in repo.claims_overview(session)]


def claim(app: App, session: Session, claim_id: str) -> schemas.ClaimDetail | None:
    """One claim with each source's current position; None if the database has no such claim."""
    row = next((r for r in repo.claims_overview(session) if r["claim_id"] == claim_id), None)
    if row is None:
        return None
    summary, ledger = _summary(app, session, row)
    positions = sorted(ledger.positions.values(), key=lambda s: (s.said_at, s.source))
    return schemas.ClaimDetail(
        **summary.model_dump(),
        positions=[
            schemas.Position(
                source=s.source,
                stance=s.stance.value,  # type: ignore[arg-type]  # positions are polar
                since=s.said_at,
                since_estimated=s.estimated,
                sentence=s.first.sentence,
                speaker=s.first.speaker,
                outlet=s.first.article_outlet,
                article_id=s.first.article_id,
                url=s.first.url,
            )
            for s in positions
        ],
    )


def _summary(app: App, session: Session, row: dict[str, Any]) -> tuple[schemas.ClaimSummary, Ledger]:
    ledger = app.tracker.ledger(session, row["claim_id"])
    summary = schemas.ClaimSummary.model_validate(
        {
            **row,
            "confirming_sources": ledger.sources_now(Stance.CONFIRM),
            "contradicting_sources": ledger.sources_now(Stance.CONTRADICT),
            "tracked": app.rules.claim(row["claim_id"]) is not None,
        }
    )
    return summary, ledger


def timeline(claim_id: str, ledger: Ledger) -> schemas.Timeline:
    """The claim's history from its replayed ledger (`monitor.ledger.timeline`)."""
    return schemas.Timeline.model_validate(
        {"claim_id": claim_id, "status": ledger.status, "rows": timeline_rows(ledger)}
    )


def evidence(
    session: Session, *, claim_id: str, stance: str | None, limit: int | None = None, offset: int = 0
) -> list[schemas.Evidence]:
    rows = repo.evidence_for(session, claim_id=claim_id, stance=stance, limit=limit, offset=offset)
    return [schemas.Evidence.model_validate(r) for r in rows]


def alerts(session: Session, *, failed_only: bool, limit: int) -> list[schemas.Alert]:
    rows = repo.alerts_overview(session, failed_only=failed_only, limit=limit)
    return [schemas.Alert.model_validate(r) for r in rows]


def articles(
    session: Session,
    *,
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    claim_id: str | None = None,
    stance: str | None = None,
) -> schemas.ArticlePage:
    """One page of articles, newest first. Raises ValueError for a cursor this API did not make."""
    rows, total = repo.articles_page(
        session,
        limit=limit + 1,
        after=decode_cursor(cursor) if cursor else None,
        since=since,
        until=until,
        source=source,
        claim_id=claim_id,
        stance=stance,
    )
    items = [schemas.Article.model_validate(r) for r in rows[:limit]]
    more = len(rows) > limit
    last = items[-1] if items else None
    return schemas.ArticlePage(
        items=items,
        total=total,
        next_cursor=encode_cursor(last.published, last.id) if more and last else None,
    )


def encode_cursor(published: datetime, article_id: int) -> str:
    return base64.urlsafe_b64encode(f"{published.isoformat()}|{article_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (published, id) a cursor points after; raises ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        published, article_id = raw.split("|")
        when = datetime.fromisoformat(published)
        number = int(article_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor from this API") from exc
    if when.tzinfo is None or number < 0:
        raise ValueError("not a cursor from this API")
    return when, number


def sources(app: App, session: Session) -> list[schemas.SourceHealth]:
    """Every source polled so far or in the current rules, by name, with its health."""
    configured = {s.name: s for s in app.rules.sources}
    out: dict[str, schemas.SourceHealth] = {}
    for row in repo.sources_overview(session):
        out[row.name] = schemas.SourceHealth(
            name=row.name,
            kind=row.kind,
            url=mask_url(row.url),
            in_rules=row.name in configured,
            last_attempt_at=row.last_attempt_at,
            last_success_at=row.last_success_at,
            last_poll_seconds=row.last_poll_seconds,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            next_check_at=row.next_check_at,
            failing_alerted=row.health_alerted,
        )
    for name, options in configured.items():
        if name not in out:  # never polled yet
            url = getattr(options, "url", None)
            out[name] = schemas.SourceHealth(
                name=name,
                kind=options.kind,
                url=mask_url(url if isinstance(url, str) else None),
                in_rules=True,
                last_attempt_at=None,
                last_success_at=None,
                last_poll_seconds=None,
                consecutive_failures=0,
                last_error=None,
                next_check_at=None,
                failing_alerted=False,
            )
    return [out[name] for name in sorted(out)]


def mask_url(url: str | None) -> str | None:
    """The URL with its user and password, each query value and the fragment replaced by `***`: a feed
    URL may carry a key ("https://user:pass@host/feed?token=...")."""
    if url is None:
        return None
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"***@{host}" if "@" in parts.netloc else host
    query = urlencode([(k, "***") for k, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, "***" if parts.fragment else ""))
