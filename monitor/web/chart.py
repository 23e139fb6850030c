"""A claim's timeline chart, laid out here and drawn as SVG by `templates/chart.svg.j2` (no JavaScript).

What it shows, from the claim's replayed ledger:
- one slot per day (per week, or per month, when there are too many days to read), oldest left; a run
  of 10 or more empty slots is cut out and marked on the axis with the time it skips;
- above the axis, a bar of the confirming statements first made in the slot; below it, the
  contradicting ones. The dark part is the statements that moved the ledger (a new independent source,
  or a source changing its position), the light part new wordings of a position a source already held.
  Repeats (reprints, recaps, quotes) are not statements and are not drawn;
- a step line on each side: how many independent sources confirm (above) and contradict (below) at the
  end of each slot. Where they end is the claim's `positions`;
- a dashed vertical line after each slot in which the status changed, labelled with the new status;
- slots dated only by an article's file time (no date in it) are hatched and their label ends in "~".

Pure: no I/O, no web framework. Geometry is in SVG user units (the SVG scales to its container).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from monitor.domain import EventKind, Stance
from monitor.ledger.claim_ledger import Ledger, LedgerEvent

WIDTH = 1000
PLOT_HEIGHT = 300
LEFT, RIGHT = 64, 104
"""Room left of the plot for the ticks, right of it for the step lines' labels."""
LABEL_ROW = 18
"""Height of one row of status labels above the plot."""
AXIS_LABELS = 40
"""Room under the plot for the slot labels."""
MAX_SLOTS = 120
BREAK_AFTER = 10
"""Empty slots in a row that are cut out of the axis."""
BREAK_WIDTH = 28
MAX_LIST = 8
"""Sources named in a bar's tooltip."""

STANCE_COLORS = {"confirm": ("#1a7f37", "#8fd19e"), "contradict": ("#cf222e", "#f5a3a8")}
STATUS_COLORS = {
    "unverified": "#656d76",
    "reported": "#0969da",
    "confirmed": "#1a7f37",
    "contested": "#bc4c00",
    "refuted": "#cf222e",
}
MOVED = (EventKind.CONFIRMATION, EventKind.CONTRADICTION, EventKind.POSITION_CHANGE)


@dataclass
class Tally:
    """One stance's statements in a slot."""

    moved: list[str] = field(default_factory=list)
    """Sources whose statement here is a new position ("Censor.NET (new)", "NATO (changed)")."""
    other: list[str] = field(default_factory=list)
    """Sources restating a position they held (new wording, same stance)."""

    @property
    def count(self) -> int:
        return len(self.moved) + len(self.other)


@dataclass
class Bar:
    """A stacked bar: `moved` statements next to the axis, then `other`."""

    stance: str
    slot: str
    """The slot's first day, ISO (the timeline list's anchor is `slot-<day>`)."""
    x: float
    width: float
    moved: tuple[float, float]
    """(y, height) of the dark part."""
    other: tuple[float, float]
    count: int
    moved_count: int
    tooltip: str


@dataclass
class Slot:
    start: date
    """The slot's first day (the day, the Monday, the 1st of the month)."""
    x: float
    width: float
    label: str
    estimated: bool
    shown: bool = False
    """The label is drawn (slots with something in them, where there is room)."""
    year: str = ""
    """Drawn under the label at the first drawn label and where the year changes, else ''."""
    confirm: Tally = field(default_factory=Tally)
    contradict: Tally = field(default_factory=Tally)
    confirming: int = 0
    """Independent sources confirming at the end of the slot."""
    contradicting: int = 0
    bars: list[Bar] = field(default_factory=list)

    @property
    def center(self) -> float:
        return self.x + self.width / 2

    @property
    def empty(self) -> bool:
        return not (self.confirm.count or self.contradict.count)


@dataclass
class Gap:
    """Slots cut out of the axis."""

    x: float
    label: str


@dataclass
class StatusMark:
    x: float
    day: date
    old_status: str
    status: str
    why: str
    color: str
    row: int
    """The row of its label above the plot (labels in one row do not overlap)."""

    @property
    def label_y(self) -> float:
        return LABEL_ROW * (self.row + 1)


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Chart:
    unit: str
    """"day", "week" or "month": what one slot is."""
    width: float
    left: float
    """Where the plot starts (the tick labels are left of it)."""
    right: float
    height: float
    top: float
    """The plot's top (status labels are above it)."""
    bottom: float
    axis_y: float
    slots: list[Slot]
    gaps: list[Gap]
    marks: list[StatusMark]
    ticks: list[Tick]
    confirm_line: str
    """SVG points of the confirming-sources step line."""
    contradict_line: str
    confirm_end: float
    """The y where the confirming-sources line ends (its label goes there)."""
    contradict_end: float
    statements: int
    confirming_sources: int
    contradicting_sources: int
    colors: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(STANCE_COLORS))

    @property
    def bars(self) -> list[Bar]:
        return [bar for slot in self.slots for bar in slot.bars]


def build_chart(ledger: Ledger) -> Chart | None:
    """The chart of the ledger's statements and status changes; None when it has neither."""
    statuses = [e for e in ledger.events if e.kind is EventKind.STATUS_CHANGE]
    days = {s.said_at.date() for s in ledger.statements} | {e.at.date() for e in statuses}
    if not days:
        return None
    unit, bucket, step = _unit(days)
    starts = _axis(sorted({bucket(d) for d in days}), step)
    slots = _place(starts, unit)
    by_start = {s.start: s for s in slots if s is not None}
    made = {e.statement.id: e for e in ledger.events if e.statement is not None and e.kind in MOVED}
    for statement in ledger.statements:
        slot = by_start[bucket(statement.said_at.date())]
        slot.estimated |= statement.estimated
        tally = slot.confirm if statement.stance is Stance.CONFIRM else slot.contradict
        event = made.get(statement.id)
        if event is None:
            tally.other.append(statement.source)
        else:
            change = event.kind is EventKind.POSITION_CHANGE
            tally.moved.append(f"{statement.source} ({'changed' if change else 'new'})")
    _count_sources(ledger, by_start, bucket)
    placed = [s for s in slots if s is not None]
    gaps = _gaps(slots, starts)
    most_up = max([max(s.confirm.count, s.confirming) for s in placed] + [1])
    most_down = max([max(s.contradict.count, s.contradicting) for s in placed] + [1])
    up, down = max(most_up, most_down / 3), max(most_down, most_up / 3)  # each side keeps a readable share
    scale = PLOT_HEIGHT / (up + down)
    marks = _marks(statuses, by_start, bucket)
    _show_labels(placed, {bucket(e.at.date()) for e in statuses})
    top = LABEL_ROW * (max((m.row for m in marks), default=0) + 1) + 6
    axis_y = top + up * scale
    for slot in placed:
        slot.bars = _bars(slot, axis_y, scale)
    final = placed[-1]
    return Chart(
        unit=unit,
        width=WIDTH,
        left=LEFT,
        right=WIDTH - RIGHT,
        height=top + PLOT_HEIGHT + AXIS_LABELS,
        top=top,
        bottom=top + PLOT_HEIGHT,
        axis_y=axis_y,
        slots=placed,
        gaps=gaps,
        marks=marks,
        ticks=_ticks(up, down, axis_y, scale),
        confirm_line=_line(placed, axis_y, -scale, lambda s: s.confirming),
        contradict_line=_line(placed, axis_y, scale, lambda s: s.contradicting),
        confirm_end=axis_y - final.confirming * scale,
        contradict_end=axis_y + final.contradicting * scale,
        statements=len(ledger.statements),
        confirming_sources=final.confirming,
        contradicting_sources=final.contradicting,
    )


def _unit(days: set[date]) -> tuple[str, Callable[[date], date], Callable[[date], date]]:
    """The finest of day, week and month that keeps the axis within MAX_SLOTS."""
    units: list[tuple[str, Callable[[date], date], Callable[[date], date]]] = [
        ("day", lambda d: d, lambda d: d + timedelta(days=1)),
        ("week", lambda d: d - timedelta(days=d.weekday()), lambda d: d + timedelta(days=7)),
        ("month", lambda d: d.replace(day=1), _next_month),
    ]
    for unit in units[:-1]:
        _, bucket, step = unit
        if len(_axis(sorted({bucket(d) for d in days}), step)) <= MAX_SLOTS:
            return unit
    return units[-1]


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _axis(starts: list[date], step: Callable[[date], date]) -> list[date | None]:
    """Every slot from the first to the last, with each run of BREAK_AFTER or more empty slots replaced
    by one None (a cut in the axis)."""
    out: list[date | None] = []
    for here, there in zip(starts, [*starts[1:], None], strict=True):
        out.append(here)
        if there is None:
            break
        empty: list[date] = []
        slot = step(here)
        while slot < there and len(empty) < BREAK_AFTER:
            empty.append(slot)
            slot = step(slot)
        out.extend([None] if slot < there or len(empty) >= BREAK_AFTER else empty)
    return out


def _place(starts: list[date | None], unit: str) -> list[Slot | None]:
    cuts = sum(s is None for s in starts)
    n = len(starts) - cuts
    width = (WIDTH - LEFT - RIGHT - cuts * BREAK_WIDTH) / n
    x: float = LEFT
    slots: list[Slot | None] = []
    for start in starts:
        if start is None:
            slots.append(None)
            x += BREAK_WIDTH
            continue
        slots.append(Slot(start, x, width, _label(start, unit), estimated=False))
        x += width
    return slots


def _show_labels(slots: list[Slot], marked: set[date]) -> None:
    """Label the slots with statements or a status change, leaving room between labels; the year goes
    under the first label and under each label in a new year."""
    last_x, year = -math.inf, 0
    for slot in slots:
        if (slot.empty and slot.start not in marked) or slot.center - last_x < 44:
            continue
        slot.shown, last_x = True, slot.center
        if slot.start.year != year:
            slot.year, year = str(slot.start.year), slot.start.year


def _label(start: date, unit: str) -> str:
    if unit == "month":
        return start.strftime("%b")
    return f"{start.day} {start:%b}"


def _gaps(slots: list[Slot | None], starts: list[date | None]) -> list[Gap]:
    gaps = []
    for i, slot in enumerate(slots):
        if slot is not None:
            continue
        before, after = starts[i - 1], starts[i + 1]
        assert before is not None and after is not None
        prev = slots[i - 1]
        assert prev is not None
        gaps.append(Gap(prev.x + prev.width + BREAK_WIDTH / 2, _span((after - before).days)))
    return gaps


def _span(days: int) -> str:
    if days >= 730:
        return f"{days / 365.25:.1f} years".replace(".0 ", " ")
    if days >= 60:
        return f"{round(days / 30.44)} months"
    return f"{days} days"


def _count_sources(ledger: Ledger, by_start: dict[date, Slot], bucket: Callable[[date], date]) -> None:
    """Each slot's confirming and contradicting sources at its end, replaying the position events."""
    stance: dict[str, Stance] = {}
    ends: dict[date, tuple[int, int]] = {}
    for event in ledger.events:
        if event.kind in MOVED and event.statement is not None and event.source is not None:
            stance[event.source] = event.statement.stance
            ends[bucket(event.at.date())] = (
                sum(s is Stance.CONFIRM for s in stance.values()),
                sum(s is Stance.CONTRADICT for s in stance.values()),
            )
    now = (0, 0)
    for start in sorted(by_start):
        now = ends.get(start, now)
        by_start[start].confirming, by_start[start].contradicting = now


def _marks(
    statuses: list[LedgerEvent], by_start: dict[date, Slot], bucket: Callable[[date], date]
) -> list[StatusMark]:
    """A mark at the right edge of the slot of each status change (the day's statements come first),
    its label in the first row where it overlaps no other."""
    marks: list[StatusMark] = []
    row_ends: list[float] = []
    for event in statuses:
        assert event.status is not None and event.old_status is not None
        slot = by_start[bucket(event.at.date())]
        status = event.status.value
        x = slot.x + slot.width
        text = len(status) * 7.5 + 16
        row = next((i for i, end in enumerate(row_ends) if end < x - text / 2), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = x + text / 2
        marks.append(
            StatusMark(
                x=x,
                day=event.at.date(),
                old_status=event.old_status.value,
                status=status,
                why=event.reason,
                color=STATUS_COLORS.get(status, "#656d76"),
                row=row,
            )
        )
    return marks


def _bars(slot: Slot, axis_y: float, scale: float) -> list[Bar]:
    width = min(slot.width * 0.6, 28.0)
    x = slot.center - width / 2
    bars = []
    for stance, tally, sign in (("confirm", slot.confirm, -1), ("contradict", slot.contradict, 1)):
        if not tally.count:
            continue
        moved_h, other_h = len(tally.moved) * scale, len(tally.other) * scale
        if sign < 0:
            moved = (axis_y - moved_h, moved_h)
            other = (axis_y - moved_h - other_h, other_h)
        else:
            moved = (axis_y, moved_h)
            other = (axis_y + moved_h, other_h)
        bars.append(
            Bar(
                stance,
                slot.start.isoformat(),
                x,
                width,
                moved,
                other,
                tally.count,
                len(tally.moved),
                _tooltip(slot, stance, tally),
            )
        )
    return bars


def _tooltip(slot: Slot, stance: str, tally: Tally) -> str:
    verb = "confirming" if stance == "confirm" else "contradicting"
    when = f"{slot.label} {slot.start.year}" + ("~" if slot.estimated else "")
    parts = [f"{when}: {tally.count} {verb} statement{'s' if tally.count != 1 else ''}"]
    if tally.moved:
        parts.append("moved the ledger: " + _names(tally.moved))
    if tally.other:
        parts.append("restated: " + _names(sorted(set(tally.other))))
    return "; ".join(parts)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LIST])
    return shown + (f" and {len(names) - MAX_LIST} more" if len(names) > MAX_LIST else "")


def _ticks(up: float, down: float, axis_y: float, scale: float) -> list[Tick]:
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if max(up, down) / s <= 5)
    ticks = [Tick(axis_y, "0")]
    for k in range(1, math.floor(up / step) + 1):
        ticks.append(Tick(axis_y - k * step * scale, str(k * step)))
    for k in range(1, math.floor(down / step) + 1):
        ticks.append(Tick(axis_y + k * step * scale, str(k * step)))
    return ticks


def _line(slots: list[Slot], axis_y: float, scale: float, value: Callable[[Slot], int]) -> str:
    """A step line: flat across each slot at the value it ends with."""
    points, y = [], axis_y
    for slot in slots:
        points.append((slot.x, y))  # across a cut in the axis, at the level before it
        y = axis_y + value(slot) * scale
        points += [(slot.x, y), (slot.x + slot.width, y)]
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
