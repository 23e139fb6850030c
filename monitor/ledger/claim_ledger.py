"""The claim ledger: a claim's history from all its statements.

Pure functions and values over domain values; storing and alerting happen elsewhere. `replay` works
the ledger out from all the entries at once; `LedgerState` keeps it and takes new entries in at the
cost of what they touch, giving the same ledger (see its docstring).

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
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from monitor.analysis.verdict import POLAR
from monitor.domain import ClaimStatus, EventKind, Stance
from monitor.ledger.statements import (
    LedgerEntry,
    Resolve,
    Statement,
    entry_order,
    link_group,
    place_years,
    resolve_sources,
    source_name,
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
    state = LedgerState(policy, resolve)
    state.add(entries)
    return state.ledger()


@dataclass(slots=True)
class _Walk:
    """The day walk's state after some days: each source's position and its count of positions so far,
    the status, and how many events, unplaced and conflicting statements the walk had made."""

    positions: dict[str, Statement] = field(default_factory=dict)
    episodes: dict[str, int] = field(default_factory=dict)
    status: ClaimStatus = ClaimStatus.UNVERIFIED
    reason: str = "no evidence yet"
    events: int = 0
    status_changes: int = 0
    unplaced: int = 0
    conflicts: int = 0

    def copy(self) -> _Walk:
        return _Walk(
            dict(self.positions),
            dict(self.episodes),
            self.status,
            self.reason,
            self.events,
            self.status_changes,
            self.unplaced,
            self.conflicts,
        )


_Group = tuple[str, Stance]


class LedgerState:
    """A claim's ledger kept up to date as its evidence arrives: `add` takes new entries in, `ledger`
    gives what `replay` of all the entries so far gives, whatever the order and grouping of the adds.

    An add costs what the new evidence touches, not the claim's history: only the statements of the
    (source, stance) groups the new entries join are linked again, only their sources' same-day stances
    worked out again, and the day walk goes on from a checkpoint (the walk's state before each day)
    taken at the earliest day whose statements or stances changed, so an article that arrives in order
    walks its own day only, and one that arrives late walks from the day it tells of. Two cases take
    everything again from the start, as a replay does: a new name that changes whom an earlier name
    resolves to (an alias that joins two sources), and evidence of an article whose year is a guess
    (`place_years` reads all the evidence to place it).
    """

    def __init__(self, policy: Policy, resolve: Resolve) -> None:
        self.policy = policy
        self.resolve = resolve
        self._given: list[LedgerEntry] = []
        self._placing = False
        self._reset()

    def _reset(self) -> None:
        self._entries: list[LedgerEntry] = []
        self._identity: dict[str, str] = {}
        self._groups: dict[_Group, list[LedgerEntry]] = {}
        self._linked: dict[_Group, list[Statement]] = {}
        self._by_id: dict[str, Statement] = {}
        self._by_day: dict[datetime, list[Statement]] = {}
        self._held: dict[str, dict[datetime, Stance]] = {}
        self._first_discussed: datetime | None = None
        self._last_discussed: datetime | None = None
        self._authorities: set[str] | None = None
        self._authority_sources: frozenset[str] = frozenset()
        self._days: list[datetime] = []
        self._before: dict[datetime, _Walk] = {}
        self._walk = _Walk()
        self._events: list[LedgerEvent] = []
        self._unplaced: list[str] = []
        self._conflicts: list[str] = []
        self._shown: list[LedgerEvent] = []
        self._shown_valid = 0
        """`_shown[:_shown_valid]` were made from the events as they are (current flags and swapped
        statements aside, which `ledger` checks through `_latest` and `_refs`)."""
        self._latest: dict[str, int] = {}
        self._refs: dict[str, list[int]] = {}
        self._swapped: set[str] = set()
        self._statements: tuple[Statement, ...] | None = ()
        self.remade_from = 0

    @property
    def size(self) -> int:
        """How many entries it holds."""
        return len(self._given)

    @property
    def placing(self) -> bool:
        """Some of its evidence is of an article whose year is a guess (`place_years` runs)."""
        return self._placing

    def add(self, entries: Iterable[LedgerEntry]) -> None:
        """Take new evidence in. `remade_from` is then the index of the first event of `ledger().events`
        that this add made or made again: the events before it are as they were."""
        new = list(entries)
        self._given += new
        if self._placing or any(e.year_unknown for e in new):
            self._placing = True  # placing a year reads all the evidence: from the start every time
            self._reset()
            self._take(place_years(self._given, self.resolve))
        else:
            self._take(new)

    def _take(self, new: list[LedgerEntry]) -> None:
        self._entries += new
        changed: set[datetime] = set()
        polar = []
        for e in new:
            if e.stance in POLAR and e.confidence >= self.policy.min_confidence:
                polar.append(e)
            elif e.stance is Stance.DISCUSS or e.stance in POLAR:
                first, last = self._first_discussed, self._last_discussed
                if first is None or e.said_at < first:
                    changed.add(e.said_at)
                    self._first_discussed = e.said_at
                if last is None or e.said_at > last:
                    self._last_discussed = e.said_at
        names = {source_name(e) for e in polar} - self._identity.keys()
        if names:
            identity = resolve_sources(self._identity.keys() | names, self.resolve)
            if any(identity[name] != label for name, label in self._identity.items()):
                self._reset()  # a new name joined sources that were apart: everything again
                self._take(list(self._given) if not self._placing else place_years(self._given, self.resolve))
                return
            self._identity = identity
        touched: set[_Group] = set()
        for e in polar:
            group = (self._identity[source_name(e)], e.stance)
            self._groups.setdefault(group, []).append(e)
            touched.add(group)
        for group in touched:
            changed |= self._link(group)
        for source in {source for source, _ in touched}:
            changed |= self._hold(source)
        everything = self._authorities_changed()
        self._walk_from(min(changed) if changed else None, everything=everything)

    def _link(self, group: _Group) -> set[datetime]:
        """Link the group's statements again; the days whose statements changed."""
        self._statements = None
        members = self._groups[group]
        members.sort(key=entry_order)
        old = {s.id: s for s in self._linked.get(group, ())}
        new = link_group(group[0], group[1], members)
        self._linked[group] = new
        changed = set()
        kept = set()
        for n, statement in enumerate(new):
            before = old.get(statement.id)
            if before is not None and before.first is statement.first and before.repeats == statement.repeats:
                new[n] = before  # the same statement: the walk and the events hold it already
                kept.add(statement.id)
                continue
            self._by_id[statement.id] = statement
            if before is not None and _walked_as(before) == _walked_as(statement):
                kept.add(statement.id)  # new repeats only: the same place in the walk
                self._swapped.add(statement.id)
                day = self._by_day[statement.said_at]
                day[next(i for i, s in enumerate(day) if s.id == statement.id)] = statement
        ids = {s.id for s in new}
        for statement in old.values():
            if statement.id not in kept:
                changed.add(statement.said_at)
                day = self._by_day[statement.said_at]
                day.remove(next(s for s in day if s.id == statement.id))
                if not day:
                    del self._by_day[statement.said_at]
                if statement.id not in ids:
                    del self._by_id[statement.id]
        for statement in new:
            if statement.id not in kept:
                changed.add(statement.said_at)
                day = self._by_day.setdefault(statement.said_at, [])
                insort(day, statement, key=_statement_order)
        return changed

    def _hold(self, source: str) -> set[datetime]:
        """Work out again the stance the source holds on each day it spoke; the days that changed."""
        statements = [s for stance in POLAR for s in self._linked.get((source, stance), ())]
        new = {day: stance for (_, day), stance in _held_by_day(statements).items()}
        old = self._held.get(source, {})
        self._held[source] = new
        return {day for day in old.keys() | new.keys() if old.get(day) is not new.get(day)}

    def _authorities_changed(self) -> bool:
        if not self.policy.authorities:
            return False
        sources = frozenset(source for source, _ in self._linked)
        if sources == self._authority_sources and self._authorities is not None:
            return False
        self._authority_sources = sources
        names = set(self.policy.authorities) | sources
        identity = resolve_sources(names, self.resolve)
        authorities = {identity[a] for a in self.policy.authorities}
        changed = authorities != self._authorities
        self._authorities = authorities
        return changed

    def _walk_from(self, start: datetime | None, *, everything: bool = False) -> None:
        """Walk the days from `start` on again (`everything`: all days), from the walk's state before
        that day."""
        if start is None and not everything:
            self.remade_from = len(self._events)
            return
        old_days = self._days
        days = set(self._by_day)
        if self._first_discussed is not None:
            days.add(self._first_discussed)
        self._days = sorted(days)
        i = 0 if everything or start is None else bisect_left(old_days, start)
        walk = self._before[old_days[i]] if i < len(old_days) else self._walk
        for day in old_days[i:]:
            del self._before[day]
        for event in self._events[walk.events :]:
            for statement in (event.statement, event.previous):
                if statement is not None:
                    self._refs[statement.id].pop()  # the latest reference is the one removed
        del self._events[walk.events :]
        self._shown_valid = min(self._shown_valid, walk.events)
        del self._unplaced[walk.unplaced :]
        del self._conflicts[walk.conflicts :]
        self.remade_from = walk.events
        first = 0 if everything or start is None else bisect_left(self._days, start)
        for day in self._days[first:]:
            self._before[day] = walk.copy()
            self._walk_day(walk, day)
        self._walk = walk

    def _record(self, event: LedgerEvent) -> None:
        for statement in (event.statement, event.previous):
            if statement is not None:
                self._refs.setdefault(statement.id, []).append(len(self._events))
        self._events.append(event)

    def _walk_day(self, walk: _Walk, day: datetime) -> None:
        changes: list[str] = []
        for statement in self._by_day.get(day, ()):
            if statement.stance is not self._held[statement.source][day]:
                self._conflicts.append(statement.id)  # both stances the same day: it moves nothing
                continue
            before = walk.positions.get(statement.source)
            if statement.undated and before is not None and not before.undated:
                if before.stance is not statement.stance:
                    self._unplaced.append(statement.id)  # no date: it cannot move a dated position
                continue
            walk.positions[statement.source] = statement
            if before is not None and before.stance is statement.stance:
                continue  # the same position again
            n = walk.episodes[statement.source] = walk.episodes.get(statement.source, -1) + 1
            key = f"position:{statement.source}:{n}:{statement.stance.value}"
            if before is None:
                why = f"{statement.source} {_verb(statement.stance)} the claim ({_day(statement.said_at)})"
                self._record(LedgerEvent(_NEW[statement.stance], day, key, why, statement.source, statement))
            else:
                why = (
                    f"{statement.source} moved from {before.stance.value} ({_day(before.said_at)}) "
                    f"to {statement.stance.value} ({_day(statement.said_at)})"
                )
                self._record(
                    LedgerEvent(EventKind.POSITION_CHANGE, day, key, why, statement.source, statement, before)
                )
                changes.append(why)
        discussed = self._first_discussed is not None and self._first_discussed <= day
        new, why = _status(walk.positions, discussed, self.policy, self._authorities)
        if new is not walk.status:
            reason = "; ".join([*changes, why])
            key = f"status:{walk.status_changes}:{new.value}"
            self._events.append(
                LedgerEvent(EventKind.STATUS_CHANGE, day, key, reason, old_status=walk.status, status=new)
            )
            walk.status, walk.reason, walk.status_changes = new, reason, walk.status_changes + 1
        else:
            walk.reason = why
        walk.events, walk.unplaced, walk.conflicts = (
            len(self._events),
            len(self._unplaced),
            len(self._conflicts),
        )

    def ledger(self) -> Ledger:
        """The ledger of every entry added so far, as `replay` of them all gives it."""
        by_id, events, shown = self._by_id, self._events, self._shown
        latest: dict[str, int] = {}
        for i, event in enumerate(events):
            if event.source is not None and event.statement is not None:
                latest[event.source] = i
        redo = set(range(self._shown_valid, len(events)))
        for source, i in latest.items():
            if self._latest.get(source) != i:
                redo.add(i)
                if source in self._latest and self._latest[source] < len(events):
                    redo.add(self._latest[source])
        for source, i in self._latest.items():
            if source not in latest and i < len(events):
                redo.add(i)
        for statement_id in self._swapped:
            redo.update(self._refs.get(statement_id, ()))
        self._latest, self._swapped = latest, set()
        del shown[len(events) :]
        for i in sorted(redo):
            event = events[i]
            statement = by_id[event.statement.id] if event.statement is not None else None
            previous = by_id[event.previous.id] if event.previous is not None else None
            current = statement is None or latest[str(event.source)] == i
            fresh = LedgerEvent(
                event.kind,
                event.at,
                event.key,
                event.reason,
                event.source,
                statement,
                previous,
                event.old_status,
                event.status,
                current,
            )
            if i < len(shown):
                shown[i] = fresh
            else:
                shown.append(fresh)
        self._shown_valid = len(events)
        if self._statements is None:
            self._statements = tuple(chain.from_iterable(self._by_day[day] for day in sorted(self._by_day)))
        statements = self._statements
        walk = self._walk
        last = [statements[-1].said_at] if statements else []
        if self._last_discussed is not None:
            last.append(self._last_discussed)
        return Ledger(
            statements=statements,
            events=tuple(shown),
            status=walk.status,
            reason=walk.reason,
            positions={source: by_id[p.id] for source, p in walk.positions.items()},
            unplaced=frozenset(self._unplaced),
            conflicts=frozenset(self._conflicts),
            last_said=max(last, default=None),
            entries=tuple(self._entries),
        )


def _statement_order(statement: Statement) -> tuple[datetime, bool, tuple[bool, datetime, str, int, str]]:
    """The order `link_statements` gives statements in (within one day: the walk's order)."""
    return (statement.said_at, statement.estimated, entry_order(statement.first))


def _walked_as(statement: Statement) -> tuple[object, ...]:
    """What of a statement the day walk reads (its repeats only count for the day's stances, `_hold`)."""
    return (statement.id, statement.undated, _statement_order(statement))


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
