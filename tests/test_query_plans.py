"""No statement the pipeline runs scans a table that grows with the store.

A pass over the seeds, an edited article read again, and an idle pass are run on SQLite with every
SELECT, UPDATE and DELETE recorded; each is then explained (EXPLAIN QUERY PLAN, with the parameters it
ran with). A full scan of a growing table makes every new article slower than the last: on day 300 the
monitor would crawl. Tables that stay small (sources, claims, the schema version) may be scanned.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import event

from monitor.app import build_app
from monitor.config.settings import Settings
from monitor.pipeline import run_pass

GROWING = {
    "articles",
    "source_items",
    "story_signatures",
    "story_bands",
    "article_topics",
    "article_claims",
    "evidence",
    "status_changes",
    "ledger_events",
    "alerts",
    "deliveries",
}
_SCAN = re.compile(r"^SCAN (\w+)")


def test_no_hot_statement_scans_a_growing_table(workdir: Path) -> None:
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text().replace("kind: semantic", "kind: rules"))
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{workdir / 'm.db'}", notify_urls=[]))
    ran: dict[str, Any] = {}

    @event.listens_for(app.engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not many and re.match(r"\s*(SELECT|UPDATE|DELETE)\b", statement, re.I):
            ran.setdefault(statement, parameters)

    try:
        assert run_pass(app).new_articles == 5
        edited = workdir / "seeds" / "001_28c5dd749a0a6b13.txt"
        edited.write_text(edited.read_text() + "\nNorth Korean units were seen near the front.\n")
        assert run_pass(app).updated == 1
        run_pass(app)
        event.remove(app.engine, "before_cursor_execute", record)
        assert any(s.lstrip().upper().startswith("DELETE") for s in ran)  # the edit replaced rows
        connection = app.engine.raw_connection()
        try:
            scans = {}
            for statement, parameters in ran.items():
                plan = connection.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                tables = {m[1] for row in plan if (m := _SCAN.match(row[3])) and m[1] in GROWING}
                if tables:
                    scans[" ".join(statement.split())] = sorted(tables)
        finally:
            connection.close()
    finally:
        app.close()
    assert len(ran) > 20, "too few statements recorded to mean anything"
    assert scans == {}


def test_a_claims_latest_evidence_is_read_from_an_index_not_sorted(workdir: Path) -> None:
    """The silence check (every cycle of `monitor run`) asks each claim for its latest evidence: the
    plan reads it from the end of an index on (claim_id, created_at, id), never sorting the claim's
    evidence, which grows with the store."""
    rules = workdir / "config" / "monitor.yaml"
    text = rules.read_text().replace("kind: semantic", "kind: rules")
    rules.write_text(text.replace("# silence: 14d ", "silence: 14d   "))
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{workdir / 'm.db'}", notify_urls=[]))
    assert app.rules.ledger.silence is not None
    ran: dict[str, Any] = {}

    @event.listens_for(app.engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "ORDER BY evidence.created_at DESC" in statement:
            ran.setdefault(statement, parameters)

    try:
        assert run_pass(app).new_articles == 5
        event.remove(app.engine, "before_cursor_execute", record)
        assert len(ran) == 1
        connection = app.engine.raw_connection()
        try:
            ((statement, parameters),) = ran.items()
            rows = connection.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plan = [row[3] for row in rows]
        finally:
            connection.close()
    finally:
        app.close()
    assert any("ix_evidence_claim_created" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
