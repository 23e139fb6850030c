"""The JSON API under /api: read-only GETs over what the monitor knows (models: monitor.web.schemas).

Each request reads in its own read-only session (`App.read_sessions`), so it never waits for the
daemon's writes. Unknown claim ids are 404 with `{"detail": ...}`; bad parameters are 422.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator, WithJsonSchema
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.store import repository as repo
from monitor.web import queries, schemas

router = APIRouter(prefix="/api", tags=["api"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": schemas.Problem, "description": "No such claim"}}


def _monitor(request: Request) -> App:
    return cast(App, request.app.state.monitor)


def _session(request: Request) -> Iterator[Session]:
    with _monitor(request).read_sessions() as session:
        yield session


Monitor = Annotated[App, Depends(_monitor)]
Reader = Annotated[Session, Depends(_session)]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items.")]

ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"


def _iso_only(value: object) -> object:
    """A date or an ISO 8601 time, nothing else that pydantic would read as one (a Unix time)."""
    if not isinstance(value, str) or not re.match(ISO_TIME, value):
        raise ValueError("expected a date (2024-10-16) or an ISO 8601 time (2024-10-16T08:00:00+02:00)")
    return value


When = Annotated[
    datetime, BeforeValidator(_iso_only), WithJsonSchema({"type": "string", "pattern": ISO_TIME})
]


def _known(session: Session, claim_id: str) -> None:
    if not repo.claim_exists(session, claim_id=claim_id):
        raise HTTPException(404, detail=f"no claim {claim_id!r}")


@router.get("/claims", response_model=list[schemas.ClaimSummary])
def list_claims(app: Monitor, session: Reader) -> list[schemas.ClaimSummary]:
    """Every claim with its status, why, evidence counts and independent sources now on each side."""
    return queries.claims(app, session)


@router.get("/claims/{claim_id}", response_model=schemas.ClaimDetail, responses=NOT_FOUND)
def get_claim(claim_id: str, app: Monitor, session: Reader) -> schemas.ClaimDetail:
    """One claim, with each independent source's current position."""
    found = queries.claim(app, session, claim_id)
    if found is None:
        raise HTTPException(404, detail=f"no claim {claim_id!r}")
    return found


@router.get("/claims/{claim_id}/timeline", response_model=schemas.Timeline, responses=NOT_FOUND)
def claim_timeline(claim_id: str, app: Monitor, session: Reader) -> schemas.Timeline:
    """The claim's history, as `monitor timeline --json`."""
    _known(session, claim_id)
    return queries.timeline(claim_id, app.tracker.ledger(session, claim_id))


@router.get("/claims/{claim_id}/evidence", response_model=list[schemas.Evidence], responses=NOT_FOUND)
def claim_evidence(
    claim_id: str,
    session: Reader,
    stance: Annotated[schemas.EvidenceStance | None, Query(description="Only this stance.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="At most this many (all).")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Skip this many first.")] = 0,
) -> list[schemas.Evidence]:
    """The claim's evidence sentences, oldest first, as `monitor evidence --json`."""
    _known(session, claim_id)
    return queries.evidence(session, claim_id=claim_id, stance=stance, limit=limit, offset=offset)


@router.get("/articles", response_model=schemas.ArticlePage)
def list_articles(
    session: Reader,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    since: Annotated[When | None, Query(description="Published at or after (UTC if no offset).")] = None,
    until: Annotated[When | None, Query(description="Published before (UTC if no offset).")] = None,
    source: Annotated[str | None, Query(description="Found in this source.")] = None,
    claim: Annotated[str | None, Query(description="With a verdict on this claim.")] = None,
    stance: Annotated[
        schemas.EvidenceStance | None, Query(description="Whose overall stance (on `claim`, or any) is this.")
    ] = None,
) -> schemas.ArticlePage:
    """Stored articles, newest first, a page at a time."""
    try:
        return queries.articles(
            session,
            limit=limit,
            cursor=cursor,
            since=_utc(since, "since"),
            until=_utc(until, "until"),
            source=source,
            claim_id=claim,
            stance=stance,
        )
    except ValueError as exc:
        raise _invalid("cursor", cursor, str(exc)) from exc


@router.get("/sources", response_model=list[schemas.SourceHealth])
def list_sources(app: Monitor, session: Reader) -> list[schemas.SourceHealth]:
    """Every source with its health: last success, failures in a row, last error, next check."""
    return queries.sources(app, session)


@router.get("/alerts", response_model=list[schemas.Alert])
def list_alerts(
    session: Reader,
    failed: Annotated[bool, Query(description="Only alerts with a failed or unknown delivery.")] = False,
    limit: Limit = 50,
) -> list[schemas.Alert]:
    """The alert outbox, newest first, with each delivery's state per target (never its URL)."""
    return queries.alerts(session, failed_only=failed, limit=limit)


def _utc(value: datetime | None, name: str) -> datetime | None:
    """An aware UTC time (a time without offset is UTC); 422 for one that UTC cannot hold."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise _invalid(name, value.isoformat(), "out of range in UTC") from exc


def _invalid(name: str, value: object, message: str) -> RequestValidationError:
    """A 422 shaped like FastAPI's own validation errors."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": value}]
    )
