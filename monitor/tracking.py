"""Keep a claim's stored status and alerts in step with its ledger.

After an article's evidence is stored, the claim's ledger takes it in. The tracker keeps each claim's
`LedgerState` in memory between updates, so an update costs what the new evidence costs: it loads only
the evidence stored since (never article text) and the state goes on from there
(`monitor.ledger.claim_ledger.LedgerState`). The kept state is used only when the store still holds
exactly what it has taken in plus the new rows (`repository.evidence_stamp`: count, greatest and sum
of ids); anything else (an edited article, another worker's write in between, a transaction rolled
back, an undated article placed in its year, a reprint that became its story's first article) replays
the claim from all its evidence, as a fresh process does. The events the ledger has not handled before
are then recorded in `ledger_events`, in the same transaction as the evidence, and written to the alert
outbox:
- new independent confirmations and contradictions, one alert per kind per update;
- each change of position;
- a change of the claim's status, as stored (not the replayed history in between: an article that
  arrives late fills in the timeline, but alerts only for what is new now).

An event for a position its source has since left is recorded as history and never alerted. Echoes,
reprints and recaps make no event, so they never alert.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.analysis.match import Claim
from monitor.config.rules import Rules
from monitor.domain import EventKind
from monitor.ledger import alerts
from monitor.ledger.claim_ledger import Ledger, LedgerState, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import PLACED
from monitor.notify.targets import Routed, plan_alert
from monitor.store import repository as repo
from monitor.store.models import utcnow

_GROUPED = (EventKind.CONFIRMATION, EventKind.CONTRADICTION)


@dataclass
class _Kept:
    """A claim's ledger state, with the stamp of the evidence it holds and the first article of each
    story it read (whose outlet speaks for the story's unattributed sentences)."""

    state: LedgerState
    stamp: tuple[int, int, int]
    story_first: dict[int, int]


@dataclass(frozen=True)
class Tracker:
    """What updating a claim needs: the rules (thresholds, claims), the alert routing, the resolver; and
    each claim's ledger state, kept between updates (built again with the rules)."""

    rules: Rules
    routing: Sequence[Routed]
    resolver: SpeakerResolver
    counts: dict[str, int] = field(default_factory=lambda: {"taken_in": 0, "replayed": 0}, compare=False)
    """Updates that took new evidence into a kept state, and those that replayed a claim from the store."""
    _kept: dict[str, _Kept] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def build(cls, rules: Rules, routing: Sequence[Routed]) -> Tracker:
        return cls(rules, routing, SpeakerResolver(rules.ledger.aliases))

    def ledger(self, session: Session, claim_id: str) -> Ledger:
        """The claim's ledger replayed from everything stored."""
        rows = repo.ledger_entries(session, claim_id=claim_id)
        return replay(rows.entries, self.rules.ledger.policy(), self.resolver.resolve)

    def forget(self) -> None:
        """Drop every kept ledger state: the next update of each claim replays it from the store."""
        with self._lock:
            self._kept.clear()

    def _state(self, session: Session, claim_id: str) -> tuple[_Kept, int]:
        """The claim's ledger state holding all its stored evidence, and the index of the first event
        it may not have handled yet (0 when it was replayed from the start)."""
        stamp = repo.evidence_stamp(session, claim_id=claim_id)
        with self._lock:  # taken out while in use: a failure on the way leaves nothing stale behind
            kept = self._kept.pop(claim_id, None)
        if kept is not None:
            rows = repo.ledger_entries(session, claim_id=claim_id, after=kept.stamp[1])
            ids = [e.evidence_id for e in rows.entries]
            count, top, total = kept.stamp
            moved = any(
                kept.story_first.get(story, first) != first for story, first in rows.story_first.items()
            )
            if not moved and (count + len(ids), max([top, *ids]), total + sum(ids)) == stamp:
                kept.state.add(rows.entries)
                kept.stamp = stamp
                kept.story_first.update(rows.story_first)
                self.counts["taken_in"] += 1
                return kept, kept.state.remade_from
        rows = repo.ledger_entries(session, claim_id=claim_id)
        state = LedgerState(self.rules.ledger.policy(), self.resolver.resolve)
        state.add(rows.entries)
        self.counts["replayed"] += 1
        return _Kept(state, stamp, dict(rows.story_first)), 0

    def update(self, session: Session, claim_id: str, *, article_id: int | None) -> int:
        """Bring the claim's ledger up to date, record and alert its new events, store its status;
        returns alerts written."""
        claim = self.rules.claim(claim_id)
        assert claim is not None
        session.flush()
        kept, unseen = self._state(session, claim_id)
        ledger = kept.state.ledger()
        placed = (
            {e.article_id: (e.published, e.date_origin) for e in ledger.entries if e.date_origin in PLACED}
            if kept.state.placing
            else {}
        )
        if placed:
            repo.place_articles(session, dates=placed)
        events = [e for e in ledger.events[unseen:] if e.kind is not EventKind.STATUS_CHANGE]
        handled = repo.handled_events(session, claim_id=claim_id, keys=[e.key for e in events])
        fresh = [e for e in events if e.key not in handled]
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
        written += self._status(session, claim, ledger, article_id)
        if not placed:  # the store's dates moved: the next update reads them again
            with self._lock:
                self._kept[claim_id] = kept
        return written

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
