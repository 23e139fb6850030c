"""The claim ledger: a claim's history from all its statements.

Pure functions over domain values; storing and alerting happen elsewhere.

`replay` walks a claim's statements (`monitor.ledger.statements`) in the order they were made, not the
order articles arrived, so any arrival order gives the same ledger. Each source has a position, the
stance of its latest statement:
- a source's first position is a *new independent confirmation / contradiction*;
- a different stance later is a *position change* ("NATO moved from contradict (17 Oct) to confirm
  (28 Oct)");
- a statement that agrees with the source's current position only refreshes its date; repeats of a
  statement (recaps, reprints, quotes) are no events at all;
- a statement with no date (an article dated only by its file time) never moves a source's dated
  position: nobody can tell whether it came before or after;
- a position change needs statements made on different days: when one source says both things on one
  day (two sentences of one article by one narrator, a speaker quoted both ways, a new statement
  beside one that repeats its earlier opposite, recaps aside), it holds the contradiction that day (a
  wrong "confirmed" and a missed denial are the worst failures), unless the text says which came
  later: a sentence opening with "Subsequently", "Later", "Since then", "Eventually" ... holds. The
  other stance is a `conflicts` statement that moves nothing, and no position change is made of it.

After each day with statements, the claim's status is worked out from the sources' positions
(thresholds from the rules file's `ledger:` section, `Policy` here); the first rule that applies wins:
1. `confirmed`: at least `confirm_sources` sources confirm, more than contradict, and no authority's
   contradiction is as new as the newest confirmation;
2. `refuted`: the same with the stances swapped (`refute_sources`);
3. `contested`: some sources confirm and some contradict, or only contradictions (too few to refute);
4. `reported`: confirmations too few to confirm, or anything discussing the claim;
5. `unverified`: nothing yet.
Authorities are the sources named in `authorities`; with none named, every source is one.
Evidence below `min_confidence` counts as discussion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from monitor.analysis.verdict import POLAR
from monitor.domain import ClaimStatus, EventKind, Stance
from monitor.ledger.statements import (
    LedgerEntry,
    Resolve,
    Statement,
    link_statements,
    place_years,
    resolve_sources,
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Status thresholds (the rules file's `ledger:` section)."""

    min_confidence: float = 0.6
    confirm_sources: int = 2
    refute_sources: int = 2
    authorities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """Something that happened to a claim, at the time it happened.

    `key` names the event independently of arrival order: a source's n-th position (n counts its
    changes of stance), or the claim's n-th status. `current` is False for a position its source has
    since left: such an event is history, never an alert."""

    kind: EventKind
    at: datetime
    key: str
    reason: str
    source: str | None = None
    statement: Statement | None = None
    previous: Statement | None = None
    old_status: ClaimStatus | None = None
    status: ClaimStatus | None = None
    current: bool = True


@dataclass(frozen=True, slots=True)
class Ledger:
    statements: tuple[Statement, ...]
    events: tuple[LedgerEvent, ...]
    status: ClaimStatus
    reason: str
    positions: dict[str, Statement] = field(default_factory=dict)
    """Each source's latest statement (its current position)."""
    unplaced: frozenset[str] = frozenset()
    """Statements with no date (file time) that disagree with their source's dated position: we cannot
    tell whether they came before or after it, so they move nothing."""
    conflicts: frozenset[str] = frozenset()
    """Statements whose source also said the opposite the same day and held that (see the module
    docstring): one day makes no position change, so they move nothing."""
    last_said: datetime | None = None
    entries: tuple[LedgerEntry, ...] = ()
    """The evidence it was replayed from, undated articles placed in their year (`place_years`)."""

    def sources_now(self, stance: Stance) -> int:
        """How many independent sources hold `stance` now (their latest statement)."""
        return sum(p.stance is stance for p in self.positions.values())


_NEW = {Stance.CONFIRM: EventKind.CONFIRMATION, Stance.CONTRADICT: EventKind.CONTRADICTION}


def replay(entries: Iterable[LedgerEntry], policy: Policy, resolve: Resolve) -> Ledger:
    """The claim's ledger from all its stored evidence (see the module docstring)."""
    entries = place_years(entries, resolve)
    polar = [e for e in entries if e.stance in POLAR and e.confidence >= policy.min_confidence]
    discussed = sorted(
        e.said_at
        for e in entries
        if e.stance is Stance.DISCUSS or (e.stance in POLAR and e.confidence < policy.min_confidence)
    )
    statements = link_statements(polar, resolve)
    authorities = _authorities(policy, statements, resolve)
    positions: dict[str, Statement] = {}
    episodes: dict[str, int] = {}
    events: list[LedgerEvent] = []
    unplaced: list[str] = []
    conflicts: list[str] = []
    status, reason = ClaimStatus.UNVERIFIED, "no evidence yet"
    days = sorted({s.said_at for s in statements} | set(discussed[:1]))
    by_day = {d: list(g) for d, g in groupby(statements, key=lambda s: s.said_at)}
    held = _held_by_day(statements)
    for day in days:
        changes: list[str] = []
        for statement in by_day.get(day, []):
            if statement.stance is not held[statement.source, day]:
                conflicts.append(statement.id)  # both stances the same day: it moves nothing
                continue
            before = positions.get(statement.source)
            if statement.undated and before is not None and not before.undated:
                if before.stance is not statement.stance:
                    unplaced.append(statement.id)  # no date: it cannot move a dated position
                continue
            positions[statement.source] = statement
            if before is not None and before.stance is statement.stance:
                continue  # the same position again
            n = episodes[statement.source] = episodes.get(statement.source, -1) + 1
            key = f"position:{statement.source}:{n}:{statement.stance.value}"
            if before is None:
                why = f"{statement.source} {_verb(statement.stance)} the claim ({_day(statement.said_at)})"
                events.append(LedgerEvent(_NEW[statement.stance], day, key, why, statement.source, statement))
            else:
                why = (
                    f"{statement.source} moved from {before.stance.value} ({_day(before.said_at)}) "
                    f"to {statement.stance.value} ({_day(statement.said_at)})"
                )
                events.append(
                    LedgerEvent(EventKind.POSITION_CHANGE, day, key, why, statement.source, statement, before)
                )
                changes.append(why)
        new, why = _status(positions, bool(discussed) and discussed[0] <= day, policy, authorities)
        if new is not status:
            reason = "; ".join([*changes, why])
            key = f"status:{sum(e.kind is EventKind.STATUS_CHANGE for e in events)}:{new.value}"
            events.append(
                LedgerEvent(EventKind.STATUS_CHANGE, day, key, reason, old_status=status, status=new)
            )
            status = new
        else:
            reason = why
    latest = {e.source: e.key for e in events if e.statement is not None}  # each source's last position
    events = [e if e.statement is None or latest[e.source] == e.key else _replace_current(e) for e in events]
    return Ledger(
        statements=tuple(statements),
        events=tuple(events),
        status=status,
        reason=reason,
        positions=positions,
        unplaced=frozenset(unplaced),
        conflicts=frozenset(conflicts),
        last_said=max([s.said_at for s in statements] + discussed[-1:], default=None),
        entries=tuple(entries),
    )


_LATER = re.compile(
    r"^\W*(?:subsequently|later|afterwards?|since then|eventually|finally|by then|then|now)\b", re.IGNORECASE
)
"""A sentence that says it tells of something that came after what the article told before."""


def _held_by_day(statements: Sequence[Statement]) -> dict[tuple[str, datetime], Stance]:
    """The stance each source holds on each day it spoke: the one it took, or with both, the one a
    sentence marked as later took ("Subsequently, the Pentagon confirmed ..."), else the contradiction.
    Its statements that day count, and its earlier statements said again that day (not recaps).
    Depends only on the set of statements, never on their order."""
    said: dict[tuple[str, datetime], set[Stance]] = {}
    later: dict[tuple[str, datetime], set[Stance]] = {}
    for statement in statements:
        for entry in statement.entries:
            if entry is statement.first or not entry.recap:
                key = (statement.source, entry.said_at)
                said.setdefault(key, set()).add(statement.stance)
                if _LATER.match(entry.sentence):
                    later.setdefault(key, set()).add(statement.stance)
    held = {}
    for key, stances in said.items():
        marked = later.get(key, set())
        if len(stances) == 1:
            held[key] = next(iter(stances))
        elif len(marked) == 1:
            held[key] = next(iter(marked))
        else:
            held[key] = Stance.CONTRADICT
    return held


def _replace_current(event: LedgerEvent) -> LedgerEvent:
    """A position event whose source has since said something else is history: not current."""
    return LedgerEvent(
        event.kind,
        event.at,
        event.key,
        event.reason,
        event.source,
        event.statement,
        event.previous,
        event.old_status,
        event.status,
        current=False,
    )


def _authorities(policy: Policy, statements: Sequence[Statement], resolve: Resolve) -> set[str] | None:
    """The identities of the configured authorities; None when every source counts as one."""
    if not policy.authorities:
        return None
    names = set(policy.authorities) | {s.source for s in statements}
    identity = resolve_sources(names, resolve)
    return {identity[a] for a in policy.authorities}


def _status(
    positions: dict[str, Statement], discussed: bool, policy: Policy, authorities: set[str] | None
) -> tuple[ClaimStatus, str]:
    yes = {s: p for s, p in positions.items() if p.stance is Stance.CONFIRM}
    no = {s: p for s, p in positions.items() if p.stance is Stance.CONTRADICT}
    if not yes and not no:
        if discussed:
            return ClaimStatus.REPORTED, "discussed, but nothing confirms or contradicts it"
        return ClaimStatus.UNVERIFIED, "no evidence yet"
    tally = _tally(yes, no)
    if len(yes) >= policy.confirm_sources and len(yes) > len(no) and not _blocked(yes, no, authorities):
        return ClaimStatus.CONFIRMED, f"{tally}; {policy.confirm_sources} needed to confirm"
    if len(no) >= policy.refute_sources and len(no) > len(yes) and not _blocked(no, yes, authorities):
        return ClaimStatus.REFUTED, f"{tally}; {policy.refute_sources} needed to refute"
    if yes and no:
        return ClaimStatus.CONTESTED, tally
    if yes:
        return ClaimStatus.REPORTED, f"{tally}; {policy.confirm_sources} needed to confirm"
    return ClaimStatus.CONTESTED, f"{tally}; {policy.refute_sources} needed to refute"


def _blocked(side: dict[str, Statement], other: dict[str, Statement], authorities: set[str] | None) -> bool:
    """An authority on the other side holds a position as new as the side's newest."""
    newest = max(p.said_at for p in side.values())
    return any((authorities is None or s in authorities) and p.said_at >= newest for s, p in other.items())


def _tally(yes: dict[str, Statement], no: dict[str, Statement]) -> str:
    parts = []
    if yes:
        parts.append(f"{_count(len(yes))} confirm{'s' if len(yes) == 1 else ''} ({_names(yes)})")
    if no:
        parts.append(f"{_count(len(no))} contradict{'s' if len(no) == 1 else ''} ({_names(no)})")
    return "; ".join(parts)


def _count(n: int) -> str:
    return f"{n} independent source{'' if n == 1 else 's'}"


def _names(positions: dict[str, Statement], limit: int = 4) -> str:
    ordered = sorted(positions.values(), key=lambda p: (p.said_at, p.source))
    shown = [f"{p.source}, {_day(p.said_at)}" for p in ordered[:limit]]
    return "; ".join(shown) + ("; ..." if len(ordered) > limit else "")


def _verb(stance: Stance) -> str:
    return "confirms" if stance is Stance.CONFIRM else "contradicts"


def _day(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"
