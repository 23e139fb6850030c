"""The README's demo, through the real CLI: the five seeds are read, evidence for and against the claim is
found and stored, alerts reach a real HTTP receiver through Apprise, and a second run sends nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import Receiver

CLAIM = "nk-troops-ukraine"


def monitor(
    workdir: Path, *args: str, notify: str = "", code: int = 0, database: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {
        "MONITOR_DATABASE_URL": database or f"sqlite:///{workdir / 'data' / 'monitor.db'}",
        "COLUMNS": "200",
    }
    if notify:
        env["MONITOR_NOTIFY_URLS"] = notify
    result = subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == code, result.stderr + result.stdout
    return result


def evidence(workdir: Path, stance: str | None = None) -> list[dict[str, Any]]:
    args = ["evidence", CLAIM, "--json"] + (["--stance", stance] if stance else [])
    rows: list[dict[str, Any]] = json.loads(monitor(workdir, *args).stdout)
    return rows


def test_demo_finds_evidence_both_ways_and_alerts_once(workdir: Path, receiver: Receiver) -> None:
    first = monitor(workdir, "run", "--once", notify=receiver.url)
    assert "5 new article(s)" in first.stdout
    assert "0 failed;" in first.stdout

    messages = receiver.received
    titles = [m["title"] for m in messages]
    assert any(t.startswith(f"New independent confirmation on {CLAIM}") for t in titles), titles
    assert any(t.startswith(f"New independent contradiction on {CLAIM}") for t in titles), titles
    assert any(t.startswith(f"NATO changed position on {CLAIM}") for t in titles), titles
    assert any(f"{CLAIM} is now" in t for t in titles), titles
    bodies = "\n".join(m["message"] for m in messages)
    for quote in (
        "the Pentagon confirmed that the DPRK military had arrived in Russia",
        "was not true",
        "no evidence",
        "groundless rumours",
    ):
        assert quote in bodies, quote
    # each alert says who, where, when and how sure
    assert "Pentagon" in bodies and "said 28 Oct 2024" in bodies and "confirm 0." in bodies
    assert "Why: NATO moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)" in bodies

    second = monitor(workdir, "run", "--once", notify=receiver.url)
    assert "5 unchanged" in second.stdout and "0 new alert(s)" in second.stdout
    assert len(receiver.received) == len(messages)


def test_the_demo_on_postgresql_stores_and_alerts_exactly_what_it_does_on_sqlite(
    workdir: Path, pg_url: str, receiver: Receiver
) -> None:
    """The same migrations, queries and transactions on both databases: the same claims, evidence and
    alerts, and a second run that finds everything unchanged."""
    results = {}
    for name, url in (("sqlite", ""), ("postgresql", pg_url)):
        receiver.received.clear()
        monitor(workdir, "run", "--once", notify=receiver.url, database=url)
        again = monitor(workdir, "run", "--once", notify=receiver.url, database=url)
        assert "5 unchanged" in again.stdout and "0 new alert(s)" in again.stdout
        claims = json.loads(monitor(workdir, "claims", "--json", database=url).stdout)
        rows = json.loads(monitor(workdir, "evidence", CLAIM, "--json", database=url).stdout)
        found = sorted((r["stance"], r["sentence"], r["speaker"], r["source"], r["published"]) for r in rows)
        results[name] = (
            [(c["claim_id"], c["status"], c["confirm"], c["contradict"]) for c in claims],
            found,
            sorted(m["title"] for m in receiver.received),
        )
    assert results["postgresql"] == results["sqlite"]
    assert results["sqlite"][0][0][1] == "confirmed" and len(results["sqlite"][2]) >= 4


def test_demo_evidence_has_sentence_speaker_source_and_date(workdir: Path) -> None:
    monitor(workdir, "run", "--once")
    confirms = evidence(workdir, "confirm")
    contradicts = evidence(workdir, "contradict")

    def find(rows: list[dict[str, Any]], text: str) -> dict[str, Any]:
        return next(r for r in rows if text in r["sentence"])

    pentagon = find(confirms, "the Pentagon confirmed that the DPRK military had arrived")
    assert pentagon["speaker"] == "Pentagon"
    assert pentagon["source"] == "seeds/001_28c5dd749a0a6b13.txt"
    assert pentagon["outlet"] == "Censor.NET"  # from "..., Censor.NET reports." near the top
    assert pentagon["published"].startswith("2024-10-28") and not pentagon["published_estimated"]
    find(confirms, "NATO confirmed information about the presence of DPRK troops")

    kovalenko = find(contradicts, "was not true")
    assert kovalenko["speaker"] == "Andrii Kovalenko"
    assert kovalenko["published"].startswith("2024-10-16")
    assert "Lloyd Austin" in (find(contradicts, "has not yet confirmed")["speaker"] or "")
    find(contradicts, "no evidence")
    find(contradicts, "groundless rumours")

    every = evidence(workdir)
    assert {r["stance"] for r in every} == {"confirm", "contradict", "discuss"}
    assert all(
        set(r) >= {"claim_id", "status", "stance", "sentence", "speaker", "source", "published", "article_id"}
        for r in every
    )
    # the author's biography and the "Recent Posts" list in seed 004 yield nothing
    seed4 = [r for r in every if r["source"].endswith("004_3f30bc8ffa99e168.txt")]
    assert seed4 and not any(
        word in r["sentence"]
        for r in seed4
        for word in ("journalist", "Bulgaria", "Orbán", "Biennale", "Recent Posts")
    )


def test_claims_lists_status_and_counts(workdir: Path) -> None:
    monitor(workdir, "run", "--once")
    rows = json.loads(monitor(workdir, "claims", "--json").stdout)
    assert [r["claim_id"] for r in rows] == [CLAIM]
    row = rows[0]
    assert row["status"] == "confirmed"
    assert row["confirm"] >= 3 and row["contradict"] >= 3
    table = monitor(workdir, "claims").stdout
    assert CLAIM in table and "confirmed" in table


def test_the_same_story_under_another_file_name_alerts_nothing(workdir: Path, receiver: Receiver) -> None:
    monitor(workdir, "run", "--once", notify=receiver.url)
    before = len(receiver.received)
    shutil.copy(workdir / "seeds" / "001_28c5dd749a0a6b13.txt", workdir / "seeds" / "copy-of-001.txt")
    again = monitor(workdir, "run", "--once", notify=receiver.url)
    assert "1 duplicate(s)" in again.stdout
    assert len(receiver.received) == before


def test_a_failed_delivery_is_retried_on_the_next_pass_without_duplicates(
    workdir: Path, receiver: Receiver
) -> None:
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text() + "  delivery: {backoff: 0s}  # retry on the very next pass\n")
    receiver.fail_next = 1000
    first = monitor(workdir, "run", "--once", notify=receiver.url)
    assert receiver.received == []
    new_alerts = int(re.search(r"(\d+) new alert\(s\); deliveries", first.stdout).group(1))  # type: ignore[union-attr]
    failed = int(re.search(r"(\d+) failed$", first.stdout.strip()).group(1))  # type: ignore[union-attr]
    assert failed >= new_alerts
    receiver.fail_next = 0
    monitor(workdir, "run", "--once", notify=receiver.url)
    delivered = [(m["title"], m["message"]) for m in receiver.received]
    assert len(delivered) == new_alerts == len(set(delivered))


def test_a_bad_file_is_logged_counted_and_skipped_while_the_rest_goes_on(workdir: Path) -> None:
    (workdir / "seeds" / "broken.json").write_text('{"title": "x", ')
    (workdir / "seeds" / "image.txt").write_bytes(b"\x89PNG\r\n\x00\x00")
    result = monitor(workdir, "run", "--once")
    assert "5 new article(s)" in result.stdout and "2 failed" in result.stdout
    assert "item=broken.json skipped: invalid JSON at line 1" in result.stderr
    assert "item=image.txt skipped: binary file" in result.stderr
    again = monitor(workdir, "run", "--once")
    assert "7 unchanged" in again.stdout and "0 failed" in again.stdout


def test_reading_commands_never_load_the_model_and_a_broken_engine_stops_run_at_start(workdir: Path) -> None:
    from monitor.app import build_app
    from monitor.config.settings import Settings

    app = build_app(
        Settings(config=workdir / "config" / "monitor.yaml", database_url=f"sqlite:///{workdir / 'a.db'}")
    )
    try:
        assert app._analyzer is None  # `claims` and `evidence` use this app and never analyze
    finally:
        app.close()

    (workdir / "not-a-model").mkdir()
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text().replace("kind: semantic", "kind: nli\n  model: ../not-a-model\n  #"))
    result = monitor(workdir, "run", "--once", code=2)
    assert "Cannot build the 'nli' stance engine" in result.stderr
    assert "pass done" not in result.stdout


def test_a_second_run_on_the_same_sqlite_file_is_refused(workdir: Path) -> None:
    """SQLite is the single-process default: while one `monitor run` holds the database, another says
    so and exits 2 (several workers need PostgreSQL)."""
    from monitor.store.db import single_writer

    with single_writer(f"sqlite:///{workdir / 'data' / 'monitor.db'}"):
        refused = monitor(workdir, "run", "--once", code=2)
    assert "another `monitor run` is already using" in refused.stderr and "PostgreSQL" in refused.stderr
    assert "pass done" in monitor(workdir, "run", "--once").stdout  # the lock is gone with its holder
