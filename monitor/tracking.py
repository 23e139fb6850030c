"""Keep a claim's stored status and alerts in step with its ledger.

After an article's evidence is stored, the claim's ledger is replayed from all its evidence
(`monitor.ledger.claim_ledger.replay`). The events it has not handled before are then recorded in
`ledger_events`, in the same transaction as the evidence, and written to the alert outbox:
- new independent confirmations and contradictions, one alert per kind per update;
- each change of position;
- a change of the claim's status, as stored (not the replayed history in between: an article that
  arrives late fills in the timeline, but alerts only for what is new now).

An event for a position its source has since left is recorded as history and never alerted. Echoes,
reprints and recaps make no event, so they never alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.analysis.match import Claim
from monitor.config.rules import Rules
from monitor.domain import EventKind
from monitor.ledger import alerts
from monitor.ledger.claim_ledger import Ledger, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import PLACED
from monitor.notify.targets import Routed, plan_alert
from monitor.store import repository as repo
from monitor.store.models import utcnow

_GROUPED = (EventKind.CONFIRMATION, EventKind.CONTRADICTION)


@dataclass(frozen=True)
class Tracker:
    """What updating a claim needs: the rules (thresholds, claims), the alert routing, the resolver."""

    rules: Rules
    routing: Sequence[Routed]
    resolver: SpeakerResolver

    @classmethod
    def build(cls, rules: Rules, routing: Sequence[Routed]) -> Tracker:
        return cls(rules, routing, SpeakerResolver(rules.ledger.aliases))

    def ledger(self, session: Session, claim_id: str) -> Ledger:
        """The claim's ledger replayed from everything stored."""
        entries = repo.ledger_entries(session, claim_id=claim_id)
        return replay(entries, self.rules.ledger.policy(), self.resolver.resolve)

    def update(self, session: Session, claim_id: str, *, article_id: int | None) -> int:
        """Replay the claim, record and alert its new events, store its status; returns alerts written."""
        claim = self.rules.claim(claim_id)
        assert claim is not None
        session.flush()
        ledger = self.ledger(session, claim_id)
        placed = {
            e.article_id: (e.published, e.date_origin) for e in ledger.entries if e.date_origin in PLACED
        }
        if placed:
            repo.place_articles(session, dates=placed)
        handled = repo.handled_events(session, claim_id=claim_id)
        fresh = [e for e in ledger.events if e.kind is not EventKind.STATUS_CHANGE and e.key not in handled]
        for event in fresh:
            repo.add_event(session, claim_id=claim_id, key=event.key, kind=event.kind, alerted=event.current)
        current = [e for e in fresh if e.current]
        written = 0
        spec = claim.spec()
        for kind in _GROUPED:
            group = [e for e in current if e.kind is kind]
            if group:
                written += self._alert(session, alerts.statement_alert(spec, ledger, group), article_id)
        for event in current:
            if event.kind is EventKind.POSITION_CHANGE:
                written += self._alert(session, alerts.statement_alert(spec, ledger, [event]), article_id)
        return written + self._status(session, claim, ledger, article_id)

    def silence(self, session: Session, now: datetime) -> int:
        """Alert for each claim whose latest evidence arrived longer ago than `ledger.silence`; once per
        quiet spell (the alert is keyed by that latest evidence). Claims with no evidence at all are
        left alone. Returns alerts written."""
        quiet = self.rules.ledger.silence
        if quiet is None:
            return 0
        written = 0
        for claim in self.rules.claims:
            last = repo.last_evidence(session, claim_id=claim.id)
            if last is not None and (now - last[1]).total_seconds() >= quiet:
                draft = alerts.silence_alert(claim.spec(), last_evidence=last[0], since=last[1], quiet=quiet)
                written += self._alert(session, draft, None)
        return written

    def _status(self, session: Session, claim: Claim, ledger: Ledger, article_id: int | None) -> int:
        changes = [e for e in ledger.events if e.kind is EventKind.STATUS_CHANGE]
        reason = changes[-1].reason if changes and changes[-1].status is ledger.status else ledger.reason
        changed = repo.change_status(
            session, claim_id=claim.id, new=ledger.status, reason=ledger.reason, article_id=article_id
        )
        if changed is None:
            return 0
        old, change_id = changed
        draft = alerts.status_alert(
            claim_id=claim.id,
            claim_text=claim.claim,
            old=old,
            new=ledger.status,
            reason=reason,
            change_id=change_id,
            article=None,
        )
        return self._alert(session, draft, article_id)

    def _alert(self, session: Session, draft: alerts.AlertDraft, article_id: int | None) -> int:
        planned = plan_alert(self.routing, draft, self.rules.claim_topics(draft.claim_id), utcnow())
        return int(
            repo.add_alert(session, draft=draft, article_id=article_id, deliveries=planned) is not None
        )
