"""Backtest: replay stored articles through a rules file and collect the alerts it would have sent.

The articles are read from the live database, oldest first, and analysed again into a scratch SQLite
database with the candidate rules (their claims, engine, thresholds, aliases) through the same steps
as `monitor run`: story, stance, ledger, outbox. Nothing is sent and the live database is only read.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.domain import RawDocument
from monitor.store.models import AlertRow, ArticleRow


@dataclass
class BacktestResult:
    articles: int
    alerts: list[dict[str, Any]]


def stored_documents(sessions: sessionmaker[Session], since: datetime | None) -> list[RawDocument]:
    """The live database's articles as documents, in the order they were published."""
    query = select(ArticleRow).order_by(ArticleRow.published_at, ArticleRow.fingerprint)
    if since is not None:
        query = query.where(ArticleRow.published_at >= since)
    with sessions() as session:
        return [_document(row) for row in session.scalars(query)]


def _document(row: ArticleRow) -> RawDocument:
    prefix = f"{row.title}\n\n"
    text = row.text[len(prefix) :] if row.text.startswith(prefix) else row.text
    return RawDocument(
        source=row.source_name,
        key=row.source_key,
        content_hash=row.fingerprint,
        title=row.title,
        text=text,
        observed=row.published_at,
        url=row.url,
        outlet=row.outlet,
        author=row.author,
        published=None if row.published_estimated else row.published_at,
        date_origin=row.date_origin,
    )


@contextmanager
def scratch_app(settings: Settings, rules: Path) -> Iterator[App]:
    """An app on a temporary SQLite database with `rules`, and no alert routes: it sends nothing."""
    with tempfile.TemporaryDirectory(prefix="monitor-backtest-") as folder:
        url = f"sqlite:///{Path(folder) / 'backtest.db'}"
        app = build_app(settings.model_copy(update={"config": rules, "database_url": url}))
        app.routing = []
        try:
            yield app
        finally:
            app.close()


def backtest(
    live: sessionmaker[Session],
    scratch: App,
    *,
    since: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Replay the live articles into `scratch` (see the module docstring); returns its alerts."""
    from monitor.pipeline import PassStats, store_document
    from monitor.store.db import unit_of_work

    documents = stored_documents(live, since)
    stats = PassStats()
    for done, document in enumerate(documents, 1):
        with unit_of_work(scratch.sessions) as session:
            store_document(scratch, session, document, stats)
        if progress:
            progress(done, len(documents))
    with scratch.sessions() as session:
        rows = session.scalars(select(AlertRow).order_by(AlertRow.id)).all()
        alerts = [
            {
                "event": r.event,
                "claim_id": r.claim_id,
                "title": r.title,
                "body": r.body,
                "confidence": r.confidence,
                "payload": r.payload,
            }
            for r in rows
        ]
    return BacktestResult(articles=len(documents), alerts=alerts)
