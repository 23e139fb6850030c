"""The claim page's timeline chart laid out from a ledger (pure, no database): every statement is drawn
once, on its side of the axis; the source lines end at the sources' current positions; long quiet spells
are cut out of the axis; a long history is drawn by week; status changes are marked with labels that do
not overlap; slots dated by file time are marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from monitor.domain import ClaimStatus, EventKind, Stance
from monitor.ledger.claim_ledger import Ledger, Policy, replay
from monitor.ledger.statements import LedgerEntry
from monitor.web.chart import build_chart

C, X = Stance.CONFIRM, Stance.CONTRADICT
START = datetime(2024, 1, 1, tzinfo=UTC)
# Each entry gets its own wording: entries that share most content words are repeats of one statement.
WORDS = ["brigade", "convoy", "border", "rail", "depot", "airfield", "harbour"]
WORDS += ["bridge", "village", "ridge", "valley", "river", "tunnel"]


def entry(n: int, stance: Stance, speaker: str, day: int, *, estimated: bool = False) -> LedgerEntry:
    return LedgerEntry(
        evidence_id=n,
        article_id=n,
        article_key=f"a{n}",
        stance=stance,
        confidence=0.9,
        sentence=f"{speaker} said {' '.join(WORDS[(n * k) % len(WORDS)] for k in range(1, 6))} {n}.",
        start=0,
        speaker=speaker,
        via=None,
        outlet="Wire",
        article_outlet="Wire",
        published=START + timedelta(days=day),
        estimated=estimated,
    )


def plain(names: Iterable[str]) -> Mapping[str, str]:
    return {n: n for n in names}


def ledger(*entries: LedgerEntry) -> Ledger:
    return replay(entries, Policy(confirm_sources=2, refute_sources=2), plain)


def test_an_empty_ledger_has_no_chart() -> None:
    assert build_chart(ledger()) is None


def test_each_statement_is_drawn_once_on_its_side_and_the_lines_end_at_the_positions() -> None:
    book = ledger(
        entry(1, C, "Alpha", 0),
        entry(2, X, "Beta", 0),
        entry(3, C, "Gamma", 2),
        entry(4, C, "Alpha", 3),  # Alpha again, new words: restated
        entry(5, C, "Beta", 5),  # Beta changes sides
    )
    chart = build_chart(book)
    assert chart is not None and chart.unit == "day" and not chart.gaps
    assert [s.start.day for s in chart.slots] == [1, 2, 3, 4, 5, 6]  # quiet days stay on the axis
    drawn = {(b.slot, b.stance): (b.count, b.moved_count) for b in chart.bars}
    assert drawn == {
        ("2024-01-01", "confirm"): (1, 1),
        ("2024-01-01", "contradict"): (1, 1),
        ("2024-01-03", "confirm"): (1, 1),
        ("2024-01-04", "confirm"): (1, 0),
        ("2024-01-06", "confirm"): (1, 1),
    }
    for bar in chart.bars:  # confirmations above the axis, contradictions below
        top = min(bar.moved[0], bar.other[0]) if bar.other[1] else bar.moved[0]
        assert (top < chart.axis_y) if bar.stance == "confirm" else (top >= chart.axis_y)
    assert [(s.confirming, s.contradicting) for s in chart.slots] == [
        (1, 1),
        (1, 1),
        (2, 1),
        (2, 1),
        (2, 1),
        (3, 0),
    ]
    assert (chart.confirming_sources, chart.contradicting_sources) == (3, 0)
    assert sum(p.stance is C for p in book.positions.values()) == 3
    marks = [(m.day.day, m.old_status, m.status) for m in chart.marks]
    changes = [e for e in book.events if e.kind is EventKind.STATUS_CHANGE]
    assert marks == [(e.at.day, e.old_status.value, e.status.value) for e in changes]  # type: ignore[union-attr]
    assert marks[-1][2] == ClaimStatus.CONFIRMED.value
    assert "Beta (changed)" in next(b.tooltip for b in chart.bars if b.slot == "2024-01-06")


def test_a_long_quiet_spell_is_cut_out_of_the_axis() -> None:
    chart = build_chart(ledger(entry(1, C, "Alpha", 0), entry(2, C, "Beta", 1), entry(3, X, "Gamma", 160)))
    assert chart is not None and chart.unit == "day"
    assert [s.start.isoformat() for s in chart.slots] == ["2024-01-01", "2024-01-02", "2024-06-09"]
    assert [g.label for g in chart.gaps] == ["5 months"]
    assert chart.slots[1].x + chart.slots[1].width < chart.gaps[0].x < chart.slots[2].x
    assert [s.year for s in chart.slots if s.shown] == ["2024", "", ""]


def test_a_long_history_is_drawn_by_week() -> None:
    entries = [entry(n, C if n % 3 else X, f"Source {n % 7}", n * 5) for n in range(60)]  # 300 days
    chart = build_chart(ledger(*entries))
    assert chart is not None and chart.unit == "week"
    assert all(s.start.weekday() == 0 for s in chart.slots)
    assert sum(b.count for b in chart.bars) == len(ledger(*entries).statements)
    assert len(chart.slots) <= 120


def test_status_labels_on_neighbouring_days_do_not_overlap() -> None:
    changes = [entry(1, C, "Alpha", 0), entry(2, X, "Beta", 1), entry(3, C, "Gamma", 2)]
    later = [entry(n, C, f"Source {n}", n * 9) for n in range(1, 12)]  # narrow slots: 100 days
    chart = build_chart(ledger(*changes, *later))
    assert chart is not None
    assert [m.status for m in chart.marks] == ["reported", "contested", "confirmed"]
    assert len({m.row for m in chart.marks}) == 3  # three rows: each label is wider than a slot
    assert chart.top > 3 * 18


def test_a_slot_dated_only_by_the_file_time_is_marked() -> None:
    chart = build_chart(ledger(entry(1, C, "Alpha", 0), entry(2, C, "Beta", 3, estimated=True)))
    assert chart is not None
    assert [s.estimated for s in chart.slots if not s.empty] == [False, True]
    assert "~" in next(b.tooltip for b in chart.bars if b.slot == "2024-01-04")
