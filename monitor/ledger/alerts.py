"""Alert drafts: what is worth telling, rendered as a short title and a plain-text body.

Every alert names the claim, quotes the evidence sentence, says who said it, in which outlet, when,
and how sure the engine is. Rows are written to the outbox by the pipeline; `notify` sends them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.domain import Article, ClaimSpec, ClaimStatus, EventKind
from monitor.ingest.health import HealthEvent
from monitor.ledger.claim_ledger import Ledger, LedgerEvent
from monitor.ledger.statements import LedgerEntry, Statement

_HEADLINE = {
    EventKind.CONFIRMATION: "New independent confirmation",
    EventKind.CONTRADICTION: "New independent contradiction",
}


@dataclass(frozen=True, slots=True)
class AlertDraft:
    dedupe_key: str
    event: EventKind
    claim_id: str | None
    confidence: float
    title: str
    body: str
    payload: dict[str, Any]


def statement_alert(claim: ClaimSpec, ledger: Ledger, events: Sequence[LedgerEvent]) -> AlertDraft:
    """One alert for new independent confirmations or contradictions (grouped), or for one change of
    position. It says why it fired and quotes each statement with who said it, where, when and how
    sure the engine is."""
    kind = events[0].kind
    lines = [f"Claim: {claim.text} [{claim.id}, now {ledger.status.value}]"]
    if kind is EventKind.POSITION_CHANGE:
        event = events[0]
        assert event.statement is not None and event.previous is not None
        title = f"{event.source} changed position on {claim.id}: now {event.statement.stance.value}s"
        lines += [f"Why: {event.reason}.", "", "Before:", *_quote(event.previous), "Now:"]
        lines += _quote(event.statement)
    else:
        names = ", ".join(str(e.source) for e in events)
        verb = "confirm" if kind is EventKind.CONFIRMATION else "contradict"
        count = f"{len(events)} new independent source{'s' if len(events) > 1 else ''}"
        title = f"{_HEADLINE[kind]} on {claim.id}: {names}"
        lines += [f"Why: {count} {verb}{'s' if len(events) == 1 else ''} the claim: {names}.", ""]
        for event in events:
            assert event.statement is not None
            lines += _quote(event.statement)
    lines.append(f"Status: {ledger.status.value} ({ledger.reason})")
    statements = [e.statement for e in events if e.statement is not None]
    return AlertDraft(
        dedupe_key=f"{kind.value}:{claim.id}:{_digest(e.key for e in events)}",
        event=kind,
        claim_id=claim.id,
        confidence=max(s.confidence for s in statements),
        title=title,
        body="\n".join(lines).strip(),
        payload={
            "event": kind.value,
            "claim_id": claim.id,
            "claim": claim.text,
            "status": ledger.status.value,
            "why": [e.reason for e in events],
            "statements": [statement_payload(s) for s in statements],
            "previous": [statement_payload(e.previous) for e in events if e.previous is not None],
        },
    )


def _quote(statement: Statement) -> list[str]:
    entry = statement.first
    who = entry.speaker or entry.via or "speaker not stated"
    if statement.source.casefold() not in who.casefold():
        who += f" ({statement.source})"
    note = entry.date_note
    said = _day(statement.said_at) + (f" ({note})" if note else "")
    parts = [
        who,
        entry.article_outlet,
        f"said {said}",
        f"{statement.stance.value} {statement.confidence:.2f}",
    ]
    lines = [f"“{entry.sentence}”", f"  — {' · '.join(parts)}", f"  {entry.title} <{_link(entry)}>"]
    if statement.repeats:
        n = len(statement.repeats)
        lines.append(f"  (reported again {n} time{'s' if n > 1 else ''}; counted once)")
    return [*lines, ""]


def _link(entry: LedgerEntry) -> str:
    return entry.url or entry.location or f"article {entry.article_id}"


def _day(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"


def _digest(keys: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:24]


def statement_payload(statement: Statement) -> dict[str, Any]:
    entry = statement.first
    return {
        "statement_id": statement.id,
        "source": statement.source,
        "stance": statement.stance.value,
        "said_at": statement.said_at.isoformat(),
        "date_estimated": statement.estimated,
        "date_note": entry.date_note,
        "sentence": entry.sentence,
        "speaker": entry.speaker,
        "via": entry.via,
        "outlet": entry.article_outlet,
        "confidence": statement.confidence,
        "article_id": entry.article_id,
        "title": entry.title,
        "url": entry.url,
        "location": entry.location,
        "repeats": [
            {"article_id": r.article_id, "outlet": r.article_outlet, "published": r.published.isoformat()}
            for r in statement.repeats
        ],
    }


def status_alert(
    *,
    claim_id: str,
    claim_text: str,
    old: ClaimStatus,
    new: ClaimStatus,
    reason: str,
    change_id: int,
    article: Article | None,
) -> AlertDraft:
    body = f"Claim: {claim_text} [{claim_id}]\nStatus: {old.value} -> {new.value}\nWhy: {reason}"
    if article is not None:
        body += f"\nAfter: {article.title} ({article.source}/{article.key}, {_date(article)})"
    return AlertDraft(
        dedupe_key=f"status_change:{claim_id}:{change_id}",
        event=EventKind.STATUS_CHANGE,
        claim_id=claim_id,
        confidence=1.0,
        title=f"{claim_id} is now {new.value} (was {old.value})",
        body=body,
        payload={
            "event": EventKind.STATUS_CHANGE.value,
            "claim_id": claim_id,
            "claim": claim_text,
            "old_status": old.value,
            "status": new.value,
            "reason": reason,
        },
    )


def silence_alert(claim: ClaimSpec, *, last_evidence: int, since: datetime, quiet: float) -> AlertDraft:
    days = quiet / 86400
    span = f"{days:g} day{'s' if days != 1 else ''}" if quiet >= 86400 else f"{quiet / 3600:g} h"
    return AlertDraft(
        dedupe_key=f"silence:{claim.id}:{last_evidence}",
        event=EventKind.SILENCE,
        claim_id=claim.id,
        confidence=1.0,
        title=f"No new evidence on {claim.id} for {span}",
        body=(
            f"Claim: {claim.text} [{claim.id}]\nWhy: nothing has confirmed, contradicted or discussed it "
            f"since {since:%Y-%m-%d %H:%M} UTC (ledger.silence is {span})."
        ),
        payload={"event": EventKind.SILENCE.value, "claim_id": claim.id, "since": since.isoformat()},
    )


def health_alert(
    *,
    source: str,
    event: HealthEvent,
    failures: int,
    error: str | None,
    last_success: datetime | None,
    at: datetime,
) -> AlertDraft:
    """A source stopped working (after N consecutive failures), or works again."""
    ok_since = last_success.strftime("%Y-%m-%d %H:%M UTC") if last_success else "never"
    if event is HealthEvent.DOWN:
        title = f"Source {source} is failing ({failures} attempts in a row)"
        body = f"Source: {source}\nLast error: {error}\nLast success: {ok_since}\nRetrying with backoff."
    else:
        title = f"Source {source} works again"
        body = (
            f"Source: {source}\nRecovered after {failures} failed attempts.\nLast success before: {ok_since}"
        )
    return AlertDraft(
        dedupe_key=f"source_health:{source}:{event.value}:{at.isoformat()}",
        event=EventKind.SOURCE_HEALTH,
        claim_id=None,
        confidence=1.0,
        title=title,
        body=body,
        payload={
            "event": EventKind.SOURCE_HEALTH.value,
            "source": source,
            "health": event.value,
            "error": error,
        },
    )


def _date(article: Article) -> str:
    day = article.published.date().isoformat()
    return f"{day} (estimated from {article.date_origin})" if article.published_estimated else day
