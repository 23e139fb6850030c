"""Alert drafts: what is worth telling, rendered as a short title and a plain-text body.

Every alert names the claim, quotes the evidence sentence, says who said it, in which outlet, when,
and how sure the engine is. Rows are written to the outbox by the pipeline; `notify` sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.domain import Article, ClaimStatus, EventKind, Evidence, Stance
from monitor.health import HealthEvent

STANCE_EVENT = {Stance.CONFIRM: EventKind.CONFIRMATION, Stance.CONTRADICT: EventKind.CONTRADICTION}
_HEADLINE = {
    EventKind.CONFIRMATION: "New confirming evidence",
    EventKind.CONTRADICTION: "New contradicting evidence",
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


def evidence_alert(
    *,
    event: EventKind,
    claim_id: str,
    claim_text: str,
    status: ClaimStatus,
    article: Article,
    article_id: int,
    fingerprint: str,
    evidence: Sequence[Evidence],
) -> AlertDraft:
    """One alert for the new evidence of one stance that one article brings to one claim."""
    ranked = sorted(evidence, key=lambda e: (e.judgement.explicit, e.judgement.confidence), reverse=True)
    lead = ranked[0]
    lines = [f"Claim: {claim_text} [{claim_id}, now {status.value}]", ""]
    for item in ranked[:3]:
        lines += [f"“{item.sentence.text}”", f"  — {_byline(item, article)}", ""]
    if len(ranked) > 3:
        more = len(ranked) - 3
        lines += [f"(+{more} more sentence{'s' if more > 1 else ''} with this stance in the article)", ""]
    lines.append(f"Article: {article.title}")
    lines.append(f"Source: {article.source}/{article.key}" + (f" {article.url}" if article.url else ""))
    return AlertDraft(
        dedupe_key=f"{event.value}:{claim_id}:{fingerprint[:24]}",
        event=event,
        claim_id=claim_id,
        confidence=lead.judgement.confidence,
        title=f"{_HEADLINE[event]} on {claim_id} ({lead.judgement.confidence:.2f})",
        body="\n".join(lines).strip(),
        payload={
            "event": event.value,
            "claim_id": claim_id,
            "claim": claim_text,
            "status": status.value,
            "article": article_payload(article, article_id),
            "evidence": [evidence_payload(e) for e in ranked],
        },
    )


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


def _byline(item: Evidence, article: Article) -> str:
    who = item.attribution.speaker or "speaker not stated"
    if item.attribution.via and item.attribution.via not in (item.attribution.speaker, article.outlet):
        who += f" (via {item.attribution.via})"
    parts = [who, article.outlet or f"{article.source}/{article.key}", _date(article)]
    parts.append(f"{item.stance.value} {item.judgement.confidence:.2f}")
    if item.judgement.recap:
        parts.append("recap of an earlier report")
    return " · ".join(parts)


def _date(article: Article) -> str:
    day = article.published.date().isoformat()
    return f"{day} (estimated from {article.date_origin})" if article.published_estimated else day


def article_payload(article: Article, article_id: int) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "title": article.title,
        "source": article.source,
        "key": article.key,
        "url": article.url,
        "outlet": article.outlet,
        "published": article.published.isoformat(),
        "published_estimated": article.published_estimated,
    }


def evidence_payload(item: Evidence) -> dict[str, Any]:
    return {
        "sentence": item.sentence.text,
        "start": item.sentence.start,
        "end": item.sentence.end,
        "speaker": item.attribution.speaker,
        "via": item.attribution.via,
        "stance": item.stance.value,
        "confidence": item.judgement.confidence,
        "cues": list(item.judgement.cues),
        "recap": item.judgement.recap,
    }
