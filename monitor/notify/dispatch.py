"""Send what the outbox holds, once, paced, and through crashes.

Every alert is a row before anything is sent, with one delivery row per target (the idempotency key
is (alert, target), unique in the database). A dispatcher run:

1. takes back expired leases: a delivery left `sending` by a dispatcher that died is, under
   `at_least_once` (the default), due again at once; under `at_most_once` it becomes `unknown` and is
   never resent (`monitor alerts --failed` shows it, `--retry ID` sends it again by hand);
2. gathers the due deliveries (pending, or retry whose back-off is over) into messages: one per
   delivery, or one per group (a route's digest, a debounced claim) when any member is due;
3. holds a channel to its `rate_limit`: when more messages are due than the period allows, the
   last allowed message carries all the rest as a digest, and with none allowed they wait, grouped,
   for the period to roll;
4. for each message, claims its rows with one conditional UPDATE (state pending/retry -> sending,
   with a lease); if another dispatcher took any of them, it backs off. Then it renders the message
   (monitor.notify.render), sends it with Apprise, and records the outcome: `sent`, or `retry` after
   an exponential back-off, or `failed` (the dead letter) after the last attempt.

The message's idempotency key (a hash of the target and its deliveries) goes with webhook-style
targets as an `X-Idempotency-Key` header, so a receiver can drop the copy the at-least-once window
allows: a crash after the service accepted a message and before the `sent` row was committed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain import EventKind
from monitor.ingest.dates import as_utc
from monitor.notify.render import AlertView, Renderer, limits_for_url
from monitor.notify.rules import Delivery
from monitor.notify.targets import Routed, Target, all_targets
from monitor.store.db import unit_of_work
from monitor.store.models import AlertRow, DeliveryRow, utcnow

log = logging.getLogger(__name__)
_TYPE = {
    EventKind.CONFIRMATION.value: "success",
    EventKind.CONTRADICTION.value: "warning",
    EventKind.POSITION_CHANGE.value: "warning",
    EventKind.STATUS_CHANGE.value: "info",
    EventKind.SILENCE.value: "info",
    EventKind.SOURCE_HEALTH.value: "failure",
}
_HEADER_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms"}
OPEN = ("pending", "retry")


@dataclass
class DispatchStats:
    sent: int = 0
    """Deliveries sent."""
    failed: int = 0
    """Failed attempts (retried later, or dead-lettered)."""
    unknown: int = 0
    """Deliveries whose send was interrupted (at most once: not resent)."""
    messages: int = 0
    resumed: int = 0
    """Interrupted deliveries taken back to be sent again (at least once)."""

    def __add__(self, other: DispatchStats) -> DispatchStats:
        return DispatchStats(
            self.sent + other.sent,
            self.failed + other.failed,
            self.unknown + other.unknown,
            self.messages + other.messages,
            self.resumed + other.resumed,
        )


@dataclass
class _Message:
    target: Target
    rows: list[tuple[DeliveryRow, AlertRow]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [d.id for d, _ in self.rows]

    @property
    def key(self) -> str:
        raw = f"{self.target.key}\n" + ",".join(str(i) for i in sorted(self.ids))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class _Taken(Exception):
    """Another dispatcher claimed part of the message first."""


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        routing: Sequence[Routed],
        policy: Delivery,
        renderer: Renderer,
        *,
        clock: Callable[[], datetime] = utcnow,
        send: Callable[[Target, str, dict[str, Any]], bool] | None = None,
    ) -> None:
        self.sessions = sessions
        self.targets = all_targets(routing)
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.send = send or _apprise_send

    def run(self, *, retry: bool = True) -> DispatchStats:
        """Send everything due now (with `retry`, also deliveries waiting after a failure)."""
        now = self.clock()
        stats = DispatchStats()
        self._take_back(now, stats)
        states = OPEN if retry else ("pending",)
        held: list[tuple[str, list[int], datetime]] = []
        for message in self._messages(now, states, held):
            self._deliver(message, states, stats)
        for key, ids, resume in held:
            with unit_of_work(self.sessions) as session:
                session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(ids), DeliveryRow.state.in_(OPEN))
                    .values(due_at=resume, group_key=f"rate:{key}", updated_at=now)
                )
            log.info(
                "channel %s at its rate limit: %d alerts wait until %s as one digest", key, len(ids), resume
            )
        return stats

    def _take_back(self, now: datetime, stats: DispatchStats) -> None:
        at_least_once = self.policy.guarantee == "at_least_once"
        with unit_of_work(self.sessions) as session:
            result = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.state == "sending", DeliveryRow.lease_until < now)
                .values(
                    state="retry" if at_least_once else "unknown",
                    due_at=now,
                    lease_until=None,
                    last_error="interrupted while sending (the dispatcher stopped)",
                    updated_at=now,
                )
            )
            taken = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if taken and at_least_once:
            stats.resumed += taken
            log.warning("%d interrupted deliveries will be sent again (at least once)", taken)
        elif taken:
            stats.unknown += taken
            log.warning("%d interrupted deliveries marked unknown, not resent (at most once)", taken)

    def _messages(
        self, now: datetime, states: Sequence[str], held: list[tuple[str, list[int], datetime]]
    ) -> list[_Message]:
        with self.sessions() as session:
            due = session.execute(
                select(DeliveryRow, AlertRow)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .where(DeliveryRow.state.in_(states), DeliveryRow.due_at <= now)
                .order_by(DeliveryRow.id)
            ).all()
            groups = {(d.route, d.group_key) for d, _ in due if d.group_key}
            grouped: dict[tuple[str, str | None], list[tuple[DeliveryRow, AlertRow]]] = {}
            for target_key, group_key in sorted(groups, key=str):
                grouped[(target_key, group_key)] = [
                    (d, a)
                    for d, a in session.execute(
                        select(DeliveryRow, AlertRow)
                        .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                        .where(
                            DeliveryRow.route == target_key,
                            DeliveryRow.group_key == group_key,
                            DeliveryRow.state.in_(states),
                        )
                        .order_by(DeliveryRow.id)
                    ).all()
                ]
            by_target: dict[str, list[_Message]] = {}
            for d, a in due:
                target = self.targets.get(d.route)
                if target is None:
                    log.warning("delivery %d: target %s is no longer configured; left waiting", d.id, d.route)
                    continue
                if d.group_key:
                    rows = grouped.pop((d.route, d.group_key), None)
                    if rows:
                        by_target.setdefault(d.route, []).append(_Message(target, rows))
                    continue
                by_target.setdefault(d.route, []).append(_Message(target, [(d, a)]))
            return [m for key, ms in by_target.items() for m in self._paced(session, key, ms, now, held)]

    def _paced(
        self,
        session: Session,
        key: str,
        messages: list[_Message],
        now: datetime,
        held: list[tuple[str, list[int], datetime]],
    ) -> list[_Message]:
        """Hold a channel to its rate limit (see the module docstring, step 3)."""
        target = messages[0].target
        if target.rate is None:
            return messages
        limit, period = target.rate
        since = now - timedelta(seconds=period)
        recent = (DeliveryRow.route == key, DeliveryRow.state == "sent", DeliveryRow.sent_at >= since)
        sent = session.scalar(select(func.count(func.distinct(DeliveryRow.batch))).where(*recent))
        allowed = limit - int(sent or 0)
        if len(messages) <= allowed:
            return messages
        if allowed >= 1:
            rest = [row for m in messages[allowed - 1 :] for row in m.rows]
            return [*messages[: allowed - 1], _Message(target, rest)]
        oldest = session.scalar(select(func.min(DeliveryRow.sent_at)).where(*recent))
        resume = (as_utc(oldest) if oldest else now) + timedelta(seconds=period)
        held.append((key, [i for m in messages for i in m.ids], resume))
        return []

    def _deliver(self, message: _Message, states: Sequence[str], stats: DispatchStats) -> None:
        now = self.clock()
        try:
            with unit_of_work(self.sessions) as session:
                result = session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(message.ids), DeliveryRow.state.in_(states))
                    .values(
                        state="sending",
                        attempts=DeliveryRow.attempts + 1,
                        lease_until=now + timedelta(seconds=self.policy.lease),
                        batch=message.key,
                        updated_at=now,
                    )
                )
                if int(result.rowcount or 0) != len(message.ids):  # type: ignore[attr-defined]
                    raise _Taken
        except _Taken:
            return
        views = [_view(a) for _, a in message.rows]
        target = message.target
        rendered = self.renderer.render(target.kind, views, limits_for_url(target.url, target.kind))
        notify = {
            "title": rendered.title,
            "body": rendered.body,
            "body_format": rendered.body_format,
            "notify_type": _TYPE.get(views[0].event, "info") if len(views) == 1 else "info",
            "idempotency_key": message.key,
        }
        try:
            ok = self.send(message.target, message.key, notify)
        except Exception:  # a plugin bug must not stop the other messages
            log.exception("sending to %s raised", message.target.label)
            ok = False
        self._record(message, ok, stats)

    def _record(self, message: _Message, ok: bool, stats: DispatchStats) -> None:
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            rows = session.scalars(select(DeliveryRow).where(DeliveryRow.id.in_(message.ids))).all()
            for row in rows:
                row.updated_at, row.lease_until = now, None
                if ok:
                    row.state, row.sent_at, row.last_error = "sent", now, None
                    continue
                dead = row.attempts >= self.policy.attempts
                row.state = "failed" if dead else "retry"
                row.due_at = now + timedelta(seconds=self.policy.retry_delay(row.attempts))
                row.last_error = f"{message.target.key}: the service did not accept the message (see the log)"
        if ok:
            stats.sent += len(message.ids)
            stats.messages += 1
        else:
            stats.failed += len(message.ids)
            log.warning("message of %d alert(s) to %s failed", len(message.ids), message.target.label)


def sample_alert() -> AlertView:
    """A made-up alert for `monitor notify-test`, shaped like a real confirmation."""
    now = utcnow()
    return AlertView(
        event=EventKind.CONFIRMATION.value,
        claim_id="sample-claim",
        title="Test alert from monitor: New independent confirmation on sample-claim: Example Agency",
        body="This is a test message sent by `monitor notify-test`.",
        confidence=0.9,
        created_at=now,
        payload={
            "event": EventKind.CONFIRMATION.value,
            "claim_id": "sample-claim",
            "claim": "A sample claim (monitor notify-test)",
            "status": "reported",
            "why": ["Example Agency confirms the claim (test)"],
            "statements": [
                {
                    "statement_id": "0",
                    "source": "Example Agency",
                    "stance": "confirm",
                    "said_at": now.isoformat(),
                    "date_estimated": False,
                    "sentence": "This is a test: the monitor can reach this channel.",
                    "speaker": "Example Agency",
                    "via": None,
                    "outlet": "monitor",
                    "confidence": 0.9,
                    "article_id": 0,
                    "title": "Channel test",
                    "url": None,
                    "repeats": [],
                }
            ],
            "previous": [],
        },
    )


def send_now(target: Target, alerts: Sequence[AlertView], renderer: Renderer) -> bool:
    """Render and send `alerts` to one target at once, outside the outbox (for notify-test)."""
    rendered = renderer.render(target.kind, alerts, limits_for_url(target.url, target.kind))
    key = hashlib.sha256(f"test {utcnow().isoformat()}".encode()).hexdigest()[:32]
    notify = {
        "title": rendered.title,
        "body": rendered.body,
        "body_format": rendered.body_format,
        "notify_type": "info",
        "idempotency_key": key,
    }
    return _apprise_send(target, key, notify)


def _view(alert: AlertRow) -> AlertView:
    return AlertView(
        event=alert.event,
        claim_id=alert.claim_id,
        title=alert.title,
        body=alert.body,
        confidence=alert.confidence,
        created_at=alert.created_at,
        payload=dict(alert.payload or {}),
    )


def with_idempotency_key(url: str, key: str) -> str:
    """Webhook-style URLs (json, xml, form) carry the message's key as an X-Idempotency-Key header."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _HEADER_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}+X-Idempotency-Key={key}"


def _apprise_send(target: Target, key: str, notify: dict[str, Any]) -> bool:
    from apprise import Apprise

    from monitor.notify.console import register_console

    register_console()  # here, not at start: it loads every Apprise plugin, which a quiet pass never needs
    apprise = Apprise()
    if not apprise.add(with_idempotency_key(target.url, key)):
        log.warning("target %s: Apprise cannot read the URL", target.label)
        return False
    return bool(
        apprise.notify(
            title=notify["title"],
            body=notify["body"],
            body_format=notify["body_format"],
            notify_type=notify["notify_type"],
        )
    )
