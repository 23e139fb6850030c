"""The dashboard: server-rendered HTML pages, read-only, no JavaScript.

- `/`: every claim with its status, the independent sources confirming and contradicting it now, its
  evidence counts and its last change of status;
- `/claims/{claim_id}`: the claim, its timeline chart (`monitor.web.chart`, drawn as SVG on the
  server), its evidence (filters: `stance`, `source` (an independent source), `outlet`, `page`) and its
  timeline as a list; an unknown claim is a 404 page;
- `/sources`: each source's health; `/alerts`: recent alerts and each delivery's state (`failed=1` for
  the failed ones only, `limit`).

`pages_router()` serves the pages and the stylesheet (`/static/style.css`, mounted on the router). It
reads the `App` from `request.app.state.monitor` and opens `App.read_sessions()` per request, through
the same queries as the CLI. Templates are autoescaped; links are drawn only for http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from monitor import __version__
from monitor.domain import EventKind, Stance
from monitor.ledger.claim_ledger import Ledger, LedgerEvent
from monitor.ledger.statements import LedgerEntry
from monitor.ledger.timeline import timeline
from monitor.store import repository as repo
from monitor.web import queries
from monitor.web.chart import STATUS_COLORS, Chart, build_chart

if TYPE_CHECKING:
    from monitor.app import App

HERE = Path(__file__).resolve().parent
STATIC_URL = "/static"
STATIC_NAME = "pages_static"
"""The mount's route name (not plain "static": an app may have its own)."""
EVIDENCE_PAGE = 100
STANCES = ("confirm", "contradict", "discuss")
MAX_ALERTS = 500


def pages_router() -> APIRouter:
    """The HTML pages and their stylesheet, to include in the web app (no prefix)."""
    templates = Jinja2Templates(env=_environment())
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name=STATIC_NAME)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(
            request, name, {"now": datetime.now(UTC), **context}, status_code=status_code
        )

    @router.get("/", name="claims_page")
    def claims_page(request: Request) -> HTMLResponse:
        monitor = _monitor(request)
        with monitor.read_sessions() as session:
            claims = [_claim(monitor, session, row)[0] for row in repo.claims_overview(session)]
        return render(request, "claims.html.j2", claims=claims)

    @router.get("/claims/{claim_id}", name="claim_page")
    def claim_page(
        request: Request,
        claim_id: str,
        stance: str | None = None,
        source: str | None = None,
        outlet: str | None = None,
        page: int = Query(1, ge=1),
    ) -> HTMLResponse:
        monitor = _monitor(request)
        if stance and stance not in STANCES:
            message = f"Unknown stance {stance!r}: use one of {', '.join(STANCES)}."
            return render(request, "error.html.j2", 400, title="Bad filter", message=message)
        with monitor.read_sessions() as session:
            overview = repo.claims_overview(session)
            row = next((r for r in overview if r["claim_id"] == claim_id), None)
            if row is None:
                known = [r["claim_id"] for r in overview]
                return render(
                    request, "error.html.j2", 404, title="No such claim", missing=claim_id, known=known
                )
            claim, ledger = _claim(monitor, session, row)
            evidence = repo.evidence_for(session, claim_id=claim_id)
        items = _evidence(evidence, ledger.entries, ledger)
        filtered = [
            e
            for e in items
            if (not stance or e.stance == stance)
            and (not source or e.source == source)
            and (not outlet or e.outlet == outlet)
        ]
        pages = max(1, -(-len(filtered) // EVIDENCE_PAGE))
        page = min(page, pages)
        chart = build_chart(ledger)
        return render(
            request,
            "claim.html.j2",
            claim=claim,
            ledger=ledger,
            replayed_status=ledger.status.value,
            chart=chart,
            evidence=filtered[(page - 1) * EVIDENCE_PAGE : page * EVIDENCE_PAGE],
            evidence_total=len(items),
            matching=len(filtered),
            page=page,
            pages=pages,
            filters={"stance": stance or "", "source": source or "", "outlet": outlet or ""},
            sources=sorted({e.source for e in items if e.source}, key=str.casefold),
            outlets=sorted({e.outlet for e in items}, key=str.casefold),
            rows=_timeline_rows(ledger, chart),
        )

    @router.get("/sources", name="sources_page")
    def sources_page(request: Request) -> HTMLResponse:
        monitor = _monitor(request)
        with monitor.read_sessions() as session:
            sources = queries.sources(monitor, session)
        return render(request, "sources.html.j2", sources=sources)

    @router.get("/alerts", name="alerts_page")
    def alerts_page(
        request: Request, failed: bool = False, limit: int = Query(50, ge=1, le=MAX_ALERTS)
    ) -> HTMLResponse:
        monitor = _monitor(request)
        with monitor.read_sessions() as session:
            alerts = queries.alerts(session, failed_only=failed, limit=limit)
        return render(request, "alerts.html.j2", alerts=alerts, failed=failed, limit=limit)

    return router


def _monitor(request: Request) -> App:
    monitor: App = request.app.state.monitor
    return monitor


@dataclass(frozen=True)
class ClaimView:
    """A claim as the pages show it: the stored row, and from its replayed ledger the sources' current
    positions and the last change of status (when it was said, not when the monitor noticed)."""

    claim_id: str
    claim: str
    status: str
    status_reason: str
    status_noticed_at: datetime | None
    confirming_sources: int
    contradicting_sources: int
    confirm: int
    contradict: int
    discuss: int
    last_evidence: datetime | None
    last_change: LedgerEvent | None
    tracked: bool


def _claim(monitor: App, session: Session, row: dict[str, Any]) -> tuple[ClaimView, Ledger]:
    ledger = monitor.tracker.ledger(session, row["claim_id"])
    changes = [e for e in ledger.events if e.kind is EventKind.STATUS_CHANGE]
    view = ClaimView(
        claim_id=row["claim_id"],
        claim=row["claim"],
        status=row["status"],
        status_reason=row["status_reason"],
        status_noticed_at=_time(row["status_changed_at"]),
        confirming_sources=ledger.sources_now(Stance.CONFIRM),
        contradicting_sources=ledger.sources_now(Stance.CONTRADICT),
        confirm=row["confirm"],
        contradict=row["contradict"],
        discuss=row["discuss"],
        last_evidence=_time(row["last_evidence"]),
        last_change=changes[-1] if changes else None,
        tracked=monitor.rules.claim(row["claim_id"]) is not None,
    )
    return view, ledger


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@dataclass(frozen=True)
class EvidenceView:
    stance: str
    confidence: float
    sentence: str
    speaker: str | None
    via: str | None
    source: str | None
    """The independent source the sentence counts for; None for discussion and weak evidence."""
    role: str
    """"new", "changed" (the statement moved the ledger), "restated", "repeat" (of an earlier
    statement, not counted again), "weak" (below the ledger's min_confidence) or "" (discussion)."""
    outlet: str
    said_at: datetime
    estimated: bool
    """The day it was said is an estimate (the article has no date of its own; see `date_note`)."""
    date_note: str
    title: str
    url: str | None
    location: str
    recap: bool


def _evidence(
    rows: Sequence[dict[str, Any]], entries: Sequence[LedgerEntry], ledger: Ledger
) -> list[EvidenceView]:
    """The stored evidence with when each sentence was said and which independent source it counts for."""
    by_place = {(e.article_id, e.start): e for e in entries}
    made = {e.statement.id: e.kind for e in ledger.events if e.statement is not None}
    counted: dict[tuple[int, int], tuple[str, str]] = {}
    for statement in ledger.statements:
        kind = made.get(statement.id)
        role = {EventKind.POSITION_CHANGE: "changed", None: "restated"}.get(kind, "new")
        counted[(statement.first.article_id, statement.first.start)] = (statement.source, role)
        for repeat in statement.repeats:
            counted[(repeat.article_id, repeat.start)] = (statement.source, "repeat")
    out = []
    for row in rows:
        place = (row["article_id"], row["start"])
        entry = by_place.get(place)
        source, role = counted.get(place, (None, "" if row["stance"] == "discuss" else "weak"))
        published = _time(row["published"])
        assert published is not None
        out.append(
            EvidenceView(
                stance=row["stance"],
                confidence=row["confidence"],
                sentence=row["sentence"],
                speaker=row["speaker"],
                via=row["via"],
                source=source,
                role=role,
                outlet=entry.article_outlet if entry else row["outlet"] or "unnamed outlet",
                said_at=entry.said_at if entry else published,
                estimated=entry.date_estimated if entry else row["published_estimated"],
                date_note=entry.date_note if entry else "",
                title=row["article_title"],
                url=row["url"],
                location=row["source"],
                recap=row["recap"],
            )
        )
    return out


def _timeline_rows(ledger: Ledger, chart: Chart | None) -> list[dict[str, Any]]:
    """`monitor.ledger.timeline` rows; the first row in each chart slot gets `anchor` (the chart's bars link
    to it)."""
    rows = timeline(ledger)
    starts = sorted(slot.start for slot in chart.slots) if chart else []
    seen: set[date] = set()
    for row in rows:
        day = datetime.fromisoformat(row["date"]).date()
        start = max((s for s in starts if s <= day), default=None)
        row["anchor"] = None
        if start is not None and start not in seen:
            seen.add(start)
            row["anchor"] = f"slot-{start.isoformat()}"
    return rows


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(day=_day, stamp=_stamp, ago=_ago, conf=_conf, href=_href)
    env.globals.update(version=__version__, status_colors=STATUS_COLORS)
    return env


def _day(value: datetime | date | None) -> str:
    return "-" if value is None else f"{value.day} {value:%b %Y}"


def _stamp(value: datetime | None) -> str:
    return "-" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _ago(value: datetime | None, now: datetime) -> str:
    """ "3 min ago", "in 2 h", "now"."""
    if value is None:
        return ""
    seconds = (value - now).total_seconds()
    size = abs(seconds)
    if size < 60:
        return "now"
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if size >= length:
            amount = f"{int(size // length)} {unit}"
            break
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def _conf(value: float) -> str:
    return f"{value:.2f}"


def _href(url: str | None) -> str | None:
    """The URL if it is safe to link (http or https), else None: a feed can carry `javascript:` links."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None
