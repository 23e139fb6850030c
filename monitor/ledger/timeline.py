"""A claim's history as rows: one per statement and one per status change, in the order things were
said. The CLI prints them (`monitor timeline`); `--json` gives the same rows."""

from __future__ import annotations

from typing import Any

from monitor.domain import EventKind
from monitor.ledger.claim_ledger import Ledger
from monitor.ledger.statements import Statement


def timeline(ledger: Ledger) -> list[dict[str, Any]]:
    """Statements (with the event each made, if any, and its repeats) and status changes, by date;
    on one day, statements come before the status change they caused."""
    made = {e.statement.id: e for e in ledger.events if e.statement is not None}
    rows: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
    for i, statement in enumerate(ledger.statements):
        event = made.get(statement.id)
        row = _statement(statement)
        row["event"] = event.kind.value if event else None
        row["why"] = event.reason if event else None
        if statement.id in ledger.unplaced:
            row["why"] = f"no date: cannot move {statement.source}'s dated position"
        if statement.id in ledger.conflicts:
            row["why"] = (
                f"{statement.source} also said the opposite the same day, and that holds: one day "
                "makes no change of position"
            )
        rows.append(((statement.said_at.isoformat(), 0, i), row))
    for i, event in enumerate(e for e in ledger.events if e.kind is EventKind.STATUS_CHANGE):
        assert event.old_status is not None and event.status is not None
        row = {
            "type": "status",
            "date": event.at.isoformat(),
            "old_status": event.old_status.value,
            "status": event.status.value,
            "why": event.reason,
        }
        rows.append(((event.at.isoformat(), 1, i), row))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def _statement(statement: Statement) -> dict[str, Any]:
    first = statement.first
    return {
        "type": "statement",
        "date": statement.said_at.isoformat(),
        "date_estimated": statement.estimated,
        "source": statement.source,
        "speaker": first.speaker,
        "via": first.via,
        "stance": statement.stance.value,
        "confidence": round(statement.confidence, 3),
        "sentence": first.sentence,
        "outlet": first.article_outlet,
        "article_id": first.article_id,
        "title": first.title,
        "url": first.url,
        "location": first.location,
        "repeats": [
            {
                "date": r.said_at.isoformat(),
                "outlet": r.article_outlet,
                "article_id": r.article_id,
                "title": r.title,
                "recap": r.recap,
            }
            for r in statement.repeats
        ],
    }
