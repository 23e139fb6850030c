"""Send what the outbox holds. Each delivery (one alert to one target) is claimed with a conditional
UPDATE before it is sent, so two dispatchers never send the same delivery.

Guarantee: at most once per target. A delivery whose send was interrupted by a crash stays `sending`
(outcome unknown) and is reported, not resent. A failed send is retried on later passes until
MAX_ATTEMPTS, then marked `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain import EventKind
from monitor.notify.targets import Target
from monitor.store.db import unit_of_work
from monitor.store.models import AlertRow, DeliveryRow, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_TYPE = {
    EventKind.CONFIRMATION.value: "success",
    EventKind.CONTRADICTION.value: "warning",
    EventKind.STATUS_CHANGE.value: "info",
    EventKind.SOURCE_HEALTH.value: "failure",
}


@dataclass
class DispatchStats:
    sent: int = 0
    failed: int = 0
    unknown: int = 0

    def __add__(self, other: DispatchStats) -> DispatchStats:
        return DispatchStats(
            self.sent + other.sent, self.failed + other.failed, max(self.unknown, other.unknown)
        )


def dispatch(
    sessions: sessionmaker[Session], targets: Sequence[Target], *, retry: bool = True
) -> DispatchStats:
    """Send every pending delivery, and with `retry` those that failed before; returns counts.

    The pipeline sends new alerts as soon as they are stored (retry=False) and retries failures once at
    the end of each pass, so the pass interval is the back-off between attempts.
    """
    from apprise import Apprise

    states = ("pending", "retry") if retry else ("pending",)
    by_key = {t.key: t for t in targets}
    stats = DispatchStats()
    with sessions() as session:
        if retry:
            stats.unknown = len(
                session.scalars(select(DeliveryRow.id).where(DeliveryRow.state == "sending")).all()
            )
        due = session.execute(
            select(DeliveryRow.id, DeliveryRow.route, AlertRow.title, AlertRow.body, AlertRow.event)
            .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
            .where(DeliveryRow.state.in_(states))
            .order_by(DeliveryRow.id)
        ).all()
    if stats.unknown:
        log.warning(
            "%d deliveries were interrupted mid-send earlier; not resent (at most once)", stats.unknown
        )
    for delivery_id, target_key, title, body, event in due:
        target = by_key.get(target_key)
        if target is None:
            log.warning(
                "delivery %d: target %s is no longer configured; left pending", delivery_id, target_key
            )
            continue
        if not _claim(sessions, delivery_id):
            continue
        apprise = Apprise()
        ok = apprise.add(target.url) and apprise.notify(
            body=body, title=title, notify_type=_TYPE.get(event, "info")
        )
        _record(sessions, delivery_id, bool(ok), target)
        if ok:
            stats.sent += 1
        else:
            stats.failed += 1
    return stats


def _claim(sessions: sessionmaker[Session], delivery_id: int) -> bool:
    with unit_of_work(sessions) as session:
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.state.in_(("pending", "retry")))
            .values(state="sending", attempts=DeliveryRow.attempts + 1, updated_at=utcnow())
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _record(sessions: sessionmaker[Session], delivery_id: int, ok: bool, target: Target) -> None:
    with unit_of_work(sessions) as session:
        row = session.get_one(DeliveryRow, delivery_id)
        row.updated_at = utcnow()
        if ok:
            row.state, row.sent_at, row.last_error = "sent", utcnow(), None
            return
        row.state = "failed" if row.attempts >= MAX_ATTEMPTS else "retry"
        row.last_error = f"{target.masked}: the service did not accept the message (see the log)"
        log.warning(
            "delivery %d to %s failed (attempt %d, now %s)",
            delivery_id,
            target.masked,
            row.attempts,
            row.state,
        )
