"""SQLite has one writing `monitor run`, held by a file lock beside the database: the lock holder owns
every source lease (a run killed mid-poll does not block the next one), and the lock is taken on the
resolved path (a symlink to the same database is the same database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from monitor.store.db import DatabaseBusy, single_writer
from monitor.store.models import SourceRow

from .feedserver import FeedServer, rss


def write_rules(tmp_path: Path, server: FeedServer) -> Path:
    server.set(
        "/wire/rss",
        body=rss("Wire", [{"guid": "1", "title": "Acme is closing its Leeds factory", "description": "x"}]),
    )
    path = tmp_path / "rules.yaml"
    path.write_text(
        f"""\
sources:
  - name: wire
    kind: feed
    url: {server.url("/wire/rss")}
claims:
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, closing]
stance:
  kind: rules
polling:
  timeout: 60
"""
    )
    return path


def monitor_command(rules: Path, database: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {"MONITOR_DATABASE_URL": f"sqlite:///{database}", "MONITOR_CONFIG": str(rules), "COLUMNS": "200"}
    return [sys.executable, "-m", "monitor", "run", "--once"], env


def run_once(rules: Path, database: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    command, env = monitor_command(rules, database)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == code, result.stderr + result.stdout
    return result


def lease_owner(database: Path) -> str | None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            query = select(SourceRow.lease_owner).where(SourceRow.name == "wire")
            owner: str | None = connection.scalar(query)
            return owner
    finally:
        engine.dispose()


def test_a_run_killed_mid_poll_leaves_no_lease_that_blocks_the_next(
    tmp_path: Path, server: FeedServer
) -> None:
    rules = write_rules(tmp_path, server)
    database = tmp_path / "m.db"
    server.routes["/wire/rss"].delay = 30.0  # the first run is killed while it waits for the feed
    command, env = monitor_command(rules, database)
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (database.exists() and _owner_or_none(database)):
            assert time.monotonic() < deadline, "the first run never leased the source"
            assert first.poll() is None, "the first run ended early"
            time.sleep(0.2)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert lease_owner(database) is not None  # its lease (2 minutes) is still live
    server.routes["/wire/rss"].delay = 0.0
    second = run_once(rules, database)
    assert "being polled by another worker" not in second.stdout
    assert "1 new article(s)" in second.stdout, second.stdout
    assert "lease of worker" in second.stderr and "released" in second.stderr
    assert lease_owner(database) is None


def _owner_or_none(database: Path) -> str | None:
    try:
        return lease_owner(database)
    except Exception:  # the schema is still being created
        return None


def test_a_symlink_to_the_database_is_locked_as_the_database(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "monitor.db"
    database.touch()
    (tmp_path / "link.db").symlink_to(database)
    (tmp_path / "folder").symlink_to(tmp_path / "data", target_is_directory=True)
    with single_writer(f"sqlite:///{database}"):
        for other in (tmp_path / "link.db", tmp_path / "folder" / "monitor.db"):
            with (
                pytest.raises(DatabaseBusy, match="another `monitor run` is already using"),
                single_writer(f"sqlite:///{other}"),
            ):
                pass
    with single_writer(f"sqlite:///{tmp_path / 'link.db'}"):  # free again once the holder is gone
        pass
