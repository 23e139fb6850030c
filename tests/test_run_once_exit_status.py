"""`monitor run --once` says in its exit status whether every source was read: 3 when any failed (the
others are still polled and stored), so a cron job or a container's health check sees a broken feed."""

from __future__ import annotations

from pathlib import Path

from .feedserver import FeedServer
from .test_single_writer import run_once, write_rules


def test_run_once_exits_3_when_a_source_failed_and_0_when_all_were_read(
    tmp_path: Path, server: FeedServer
) -> None:
    rules = write_rules(tmp_path, server)
    down = rules.read_text().replace(
        "claims:", f"  - name: down\n    kind: feed\n    url: {server.url('/down/rss')}\nclaims:", 1
    )
    rules.write_text(down)
    server.set("/down/rss", status=503, body=b"unavailable")
    failed = run_once(rules, tmp_path / "m.db", code=3)
    assert "1 new article(s)" in failed.stdout and "1 failed;" in failed.stdout  # the good feed was stored
    assert "1 source(s) failed" in failed.stderr
    server.set("/down/rss", body=server.routes["/wire/rss"].body)
    assert "pass done" in run_once(rules, tmp_path / "m.db", code=0).stdout
