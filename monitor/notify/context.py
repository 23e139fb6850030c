"""What templates see: an alert row as a dict with every key present, the facts of a digest, and the
filters. docs/alerts.md lists these variables for people who write their own templates.

Top level: `alerts` (the alerts shown), `digest` (more than one alert), `total`, `omitted` (alerts
left out to respect the limits), `claims`, `since` (the oldest alert's time, UTC), `counts` (`event`,
`count`, `label`), `headline`, `summary`, `kind`, and `subject` (the rendered title; body templates only).

An alert: `event`, `claim_id`, `title`, `body`, `confidence`, `created_at` (UTC), `claim`, `status`,
`old_status`, `reason`, `why` (reasons), `statements`, `previous` (a position change's earlier
statement), `more_statements` (statements left out), `source`, `health`, `error`, `since`, and the raw
`payload`. A statement: the keys of monitor.ledger.alerts.statement_payload (with `said_at` a datetime), plus
`who` (speaker, else via, else "speaker not stated", with the source when it differs), `link` (the URL
if it is http(s), else None) and `where` (the article's location or "article N").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from monitor.ledger.alerts import AlertDraft


@dataclass(frozen=True)
class AlertView:
    """What a template needs of an alert row (monitor.store.models.AlertRow has these columns)."""

    event: str
    claim_id: str | None
    title: str
    body: str
    confidence: float
    created_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_draft(cls, draft: AlertDraft, created_at: datetime) -> AlertView:
        return cls(
            event=draft.event.value,
            claim_id=draft.claim_id,
            title=draft.title,
            body=draft.body,
            confidence=draft.confidence,
            created_at=created_at,
            payload=draft.payload,
        )


_LABELS = {
    "confirmation": ("new confirmation", "new confirmations"),
    "contradiction": ("new contradiction", "new contradictions"),
    "position_change": ("position change", "position changes"),
    "status_change": ("status change", "status changes"),
    "silence": ("silence alert", "silence alerts"),
    "source_health": ("source health alert", "source health alerts"),
}


def digest_facts(alerts: Sequence[AlertView]) -> dict[str, Any]:
    """What the whole message is about: `digest`, `total`, `claims`, `since`, `counts`, `headline`
    ("11 alerts on nk-troops-ukraine since 01:01 UTC") and `summary` (the headline and the counts)."""
    claims = list(dict.fromkeys(a.claim_id for a in alerts if a.claim_id))
    order = list(dict.fromkeys([*_LABELS, *(a.event for a in alerts)]))
    tally = Counter(a.event for a in alerts)
    counts = []
    for event in order:
        if tally[event]:
            name = event.replace("_", " ")
            one, many = _LABELS.get(event, (f"{name} alert", f"{name} alerts"))
            label = one if tally[event] == 1 else many
            counts.append({"event": event, "count": tally[event], "label": label})
    since = min(utc(a.created_at) for a in alerts)
    latest = max(utc(a.created_at) for a in alerts)
    when = f"{since:%H:%M} UTC" if since.date() == latest.date() else f"{format_day(since)} {since:%H:%M} UTC"
    about = f" on {claims[0]}" if len(claims) == 1 else f" on {len(claims)} claims" if claims else ""
    headline = f"{len(alerts)} alerts{about} since {when}"
    summary = headline + ": " + ", ".join(f"{c['count']} {c['label']}" for c in counts)
    return {
        "digest": len(alerts) > 1,
        "total": len(alerts),
        "claims": claims,
        "since": since,
        "counts": counts,
        "headline": headline,
        "summary": summary,
    }


def alert_context(alert: AlertView) -> dict[str, Any]:
    """An alert as templates see it: every key present (None or [] when the event has no such thing),
    the raw payload under `payload`."""
    p = dict(alert.payload)
    since = p.get("since")
    return {
        "event": alert.event,
        "claim_id": alert.claim_id,
        "title": alert.title,
        "body": alert.body,
        "confidence": alert.confidence,
        "created_at": utc(alert.created_at),
        "claim": p.get("claim"),
        "status": p.get("status"),
        "old_status": p.get("old_status"),
        "reason": p.get("reason"),
        "why": [str(w) for w in p.get("why") or []],
        "statements": [_statement_context(s) for s in p.get("statements") or []],
        "previous": [_statement_context(s) for s in p.get("previous") or []],
        "more_statements": 0,
        "source": p.get("source"),
        "health": p.get("health"),
        "error": p.get("error"),
        "since": utc(datetime.fromisoformat(since)) if isinstance(since, str) else None,
        "payload": p,
    }


def _statement_context(statement: Mapping[str, Any]) -> dict[str, Any]:
    s = dict(statement)
    source = str(s.get("source") or "")
    who = s.get("speaker") or s.get("via") or "speaker not stated"
    if source and source.casefold() not in who.casefold():
        who += f" ({source})"
    said = s.get("said_at")
    return {
        "sentence": "",
        "speaker": None,
        "via": None,
        "outlet": "",
        "stance": "",
        "confidence": 0.0,
        "article_id": None,
        **s,
        "who": who,
        "said_at": utc(datetime.fromisoformat(said)) if isinstance(said, str) else None,
        "date_estimated": bool(s.get("date_estimated")),
        "date_note": str(s.get("date_note") or ("estimated" if s.get("date_estimated") else "")),
        "link": _web_link(s.get("url")),
        "where": s.get("location") or f"article {s.get('article_id')}",
        "title": s.get("title") or "",
        "repeats": list(s.get("repeats") or []),
    }


def _web_link(url: object) -> str | None:
    """The URL if it is an http(s) link: a feed's `javascript:` or `data:` link is never made a link."""
    if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return None


def shrink(context: dict[str, Any], statements: int | None, chars: int | None) -> dict[str, Any]:
    """The alert with at most `statements` statements and reasons (`why`), the rest counted in
    `more_statements`, and its long texts shortened to `chars` at a word boundary."""
    if statements is None and chars is None:
        return context
    out = dict(context)
    if statements is not None and len(out["statements"]) > statements:
        out["more_statements"] = len(out["statements"]) - statements
        out["statements"] = out["statements"][:statements]
        if len(out["why"]) > statements:  # one reason per statement (monitor.ledger.alerts.statement_alert)
            out["why"] = out["why"][:statements]
    if chars is not None:
        for key in ("claim", "reason", "error", "title", "body"):
            if isinstance(out[key], str):
                out[key] = clip(out[key], chars)
        out["why"] = [clip(w, chars) for w in out["why"]]
        out["statements"] = [shrink_statement(s, chars) for s in out["statements"]]
        out["previous"] = [shrink_statement(s, chars) for s in out["previous"]]
    return out


def shrink_statement(statement: dict[str, Any], chars: int) -> dict[str, Any]:
    return {
        **statement,
        **{k: clip(statement[k], chars) for k in ("sentence", "title", "who") if statement.get(k)},
    }


# Filters


_MD_SPECIAL = re.compile(r"([\\<>\[\]])")
_SPACE = re.compile(r"\s+")


def md_escape(value: object) -> str:
    """Plain text for a CommonMark body that Apprise turns into Slack mrkdwn: whitespace runs become one
    space (no line of user text can start a quote or a list) and `\\ < > [ ]` are backslash-escaped,
    which Apprise sends to Slack as `&lt;`/`&gt;` and plain brackets; `&` needs nothing (Apprise sends
    `&amp;`). `*`, `_`, `~` and backticks are left alone: Slack has no escape for them and shows a
    backslash literally, so a quote's own emphasis stays emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", _SPACE.sub(" ", str(value)).strip())


_URL_UNSAFE = re.compile(r'[\s<>|\\"`]')


def md_url(value: object) -> str:
    """A URL for a CommonMark link destination `[text](<url>)`: characters that could end it or break
    Slack's `<url|text>` are percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: quote(m.group(), safe=""), str(value))


def format_day(value: datetime | str | None) -> str:
    """16 Oct 2024."""
    if value is None:
        return "date unknown"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{when.day} {when:%b %Y}"


def format_clock(value: datetime) -> str:
    """01:01 UTC."""
    return f"{utc(value):%H:%M} UTC"


def format_confidence(value: float) -> str:
    return f"{value:.2f}"


def clip(value: object, limit: int = 280) -> str:
    """`value` shortened to at most `limit` characters, ending with "…", at the last space of the kept
    part (mid-word only when that part has no space in its second half, such as a very long URL)."""
    text = str(value)
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"[:limit]
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        cut = cut[:space] if space >= limit // 2 else cut
    return cut.rstrip(" \n\t,;:.") + "…"


def utc(when: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back naive."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
