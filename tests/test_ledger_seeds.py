"""The evidence ledger on the seeds, through the real pipeline (folder source, default engine, SQLite,
alerts to a real HTTP receiver): any arrival order gives the same timeline, a repeated statement is one
statement, NATO's change of position alerts once, and copies and reprints alert nothing."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.ledger.timeline import timeline
from monitor.pipeline import run_pass

from .conftest import DEFAULT_CONFIG, SEEDS, Receiver

CLAIM = "nk-troops-ukraine"
NAMES = sorted(p.name for p in SEEDS.iterdir())
DROPPED_AT = 1730419200  # 2024-11-01 00:00 UTC: the file time of seeds that carry no date


class Feed:
    """A watched folder on a fresh database; files are dropped in one at a time, each followed by a pass."""

    def __init__(self, root: Path, receiver: Receiver) -> None:
        self.folder = root / "seeds"
        self.folder.mkdir(parents=True)
        (root / "config").mkdir()
        shutil.copy(DEFAULT_CONFIG, root / "config" / "monitor.yaml")
        settings = Settings(
            config=root / "config" / "monitor.yaml",
            database_url=f"sqlite:///{root / 'monitor.db'}",
            notify_urls=[receiver.url],
        )
        self.app: App = build_app(settings)
        self.receiver = receiver

    def drop(self, name: str, text: str | None = None, *, as_name: str | None = None) -> None:
        target = self.folder / (as_name or name)
        if text is None:
            shutil.copy(SEEDS / name, target)
        else:
            target.write_text(text, encoding="utf-8")
        os.utime(target, (DROPPED_AT, DROPPED_AT))
        run_pass(self.app)

    def rows(self) -> list[dict[str, Any]]:
        with self.app.sessions() as session:
            return timeline(self.app.tracker.ledger(session, CLAIM))

    def titles(self) -> list[str]:
        return [m["title"] for m in self.receiver.received]


@pytest.fixture
def feed(tmp_path: Path, receiver: Receiver) -> Iterator[Feed]:
    f = Feed(tmp_path, receiver)
    yield f
    f.app.close()


ORDERS = [NAMES, NAMES[::-1], *random.Random(5).sample(list(itertools.permutations(NAMES)), 3)]


def _comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A timeline without database ids (they follow arrival order)."""
    out = []
    for r in rows:
        if r["type"] == "status":
            out.append((r["date"], r["old_status"], r["status"], r["why"]))
        else:
            repeats = sorted((x["date"], x["outlet"], x["title"]) for x in r["repeats"])
            out.append((r["date"], r["source"], r["stance"], r["sentence"], r["title"], r["event"], repeats))
    return out


def test_every_order_gives_the_same_timeline_and_alerts_natos_change_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    timelines = []
    for n, order in enumerate(ORDERS):
        receiver.received.clear()
        feed = Feed(tmp_path / f"order{n}", receiver)
        try:
            for name in order:
                feed.drop(name)
            timelines.append(_comparable(feed.rows()))
            changes = [t for t in feed.titles() if t.startswith(f"NATO changed position on {CLAIM}")]
            assert len(changes) == 1, (order, feed.titles())
            contradictions = [t for t in feed.titles() if t.startswith("New independent contradiction")]
            assert sum("NATO" in t for t in contradictions) <= 1  # never after NATO has confirmed
        finally:
            feed.app.close()
    assert all(t == timelines[0] for t in timelines[1:])


def test_the_seeds_timeline(feed: Feed) -> None:
    for name in NAMES:
        feed.drop(name)
    rows = feed.rows()
    statements = [r for r in rows if r["type"] == "statement"]
    # the Ukrainian official's denial: one statement, first made on 16 October, repeated on 28 October
    denial = [r for r in statements if "was not true" in r["sentence"]]
    assert len(denial) == 1
    assert denial[0]["date"].startswith("2024-10-16") and denial[0]["source"] == "Andrii Kovalenko"
    assert [x["date"][:10] for x in denial[0]["repeats"]] == ["2024-10-28"]
    # NATO: "no evidence" on 17 October, confirmation on 28 October
    nato = [r for r in statements if r["source"] == "NATO" and r["event"]]
    assert [(r["date"][:10], r["stance"], r["event"]) for r in nato] == [
        ("2024-10-17", "contradict", "contradiction"),
        ("2024-10-28", "confirm", "position_change"),
    ]
    assert nato[1]["why"] == "NATO moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)"
    # the status, each change with its reason: the undated seeds 003 and 004 are placed in October 2024
    # (14 and 18 October, from the days their texts give and the statements they repeat)
    statuses = [r for r in rows if r["type"] == "status"]
    assert [r["status"] for r in statuses] == ["reported", "confirmed", "contested", "confirmed"]
    assert "Andrii Kovalenko" in statuses[2]["why"]
    assert "2 needed to confirm" in statuses[3]["why"]
    # no file name as a source, no 2026 date, no position change inside one day
    assert not [r for r in statements if r["source"].endswith(".txt") or r["outlet"].endswith(".txt")]
    assert all(r["date"].startswith("2024-10") for r in rows)
    for change in (r for r in statements if r["event"] == "position_change"):
        assert change["why"] is not None
        before, after = re.findall(r"\((\d+ \w+ \d{4})\)", change["why"])
        assert before != after, change["why"]


def test_a_copy_under_another_name_and_a_reprint_with_a_new_headline_alert_nothing(feed: Feed) -> None:
    for name in NAMES:
        feed.drop(name)
    before = len(feed.receiver.received)
    assert before > 0
    seed = SEEDS / "002_b1ac101bd35f63a9.txt"
    feed.drop(seed.name, as_name="copy-of-002.txt")
    first, _, body = seed.read_text(encoding="utf-8").partition("\n")
    day = first.split()[1]  # " date 2024-10-17 <headline>"
    reprint = (
        f"date {day} Alliance chief speaks on Pyongyang\n"
        + body.replace("Kyiv • UNN", "World desk").rstrip()
        + "\n\nRead more on our website. Copyright 2024 Example Media.\n"
    )
    feed.drop("reprint.txt", reprint)
    assert len(feed.receiver.received) == before, feed.titles()[before:]
    with feed.app.sessions() as session:
        from sqlalchemy import select

        from monitor.store.models import ArticleRow

        rows = {r.source_key: r for r in session.scalars(select(ArticleRow))}
    assert rows["reprint.txt"].story_id == rows[seed.name].id  # one story, two articles


def test_timeline_and_backtest_commands(tmp_path: Path) -> None:
    """`monitor timeline` prints the history; `monitor backtest` replays stored articles through a
    candidate rules file, prints the alerts it would have sent, and sends and changes nothing."""
    from .test_seeds_demo import monitor

    (tmp_path / "config").mkdir()
    shutil.copy(DEFAULT_CONFIG, tmp_path / "config" / "monitor.yaml")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monitor(tmp_path, "run", "--once")
    text = monitor(tmp_path, "timeline", CLAIM).stdout
    assert "status unverified -> reported" in text and "status contested -> confirmed" in text
    assert "repeated 1x, not counted again: Censor.NET 2024-10-28" in text
    data = json.loads(monitor(tmp_path, "timeline", CLAIM, "--json").stdout)
    assert data["status"] == "confirmed" and {r["type"] for r in data["rows"]} == {"statement", "status"}
    assert monitor(tmp_path, "timeline", "no-such-claim", code=1).stderr.startswith("No claim")

    live = (tmp_path / "data" / "monitor.db").read_bytes()
    strict = tmp_path / "config" / "strict.yaml"
    strict.write_text(
        (tmp_path / "config" / "monitor.yaml")
        .read_text()
        .replace("confirmed: {sources: 2}", "confirmed: {sources: 30}")
    )
    same = json.loads(monitor(tmp_path, "backtest", "--json").stdout)
    candidate = json.loads(monitor(tmp_path, "backtest", "--rules", str(strict), "--json").stdout)
    assert same["articles"] == candidate["articles"] == 5
    statuses = [a["title"] for a in same["alerts"] if a["event"] == "status_change"]
    assert f"{CLAIM} is now confirmed (was contested)" in statuses
    assert not [a for a in candidate["alerts"] if "is now confirmed" in a["title"]]  # 30 sources needed
    later = json.loads(monitor(tmp_path, "backtest", "--since", "2024-10-20", "--json").stdout)
    assert later["articles"] == 1  # 28 October (the undated seeds are placed on 14 and 18 October)
    printed = monitor(tmp_path, "backtest").stdout
    assert "would have been sent" in printed and "nothing was sent" in printed
    assert (tmp_path / "data" / "monitor.db").read_bytes() == live  # the live database is only read
