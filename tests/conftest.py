from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from .feedserver import FeedServer
from .loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]

# Tests talk to servers on 127.0.0.1 only: never through a proxy the environment may name.
os.environ["NO_PROXY"] = ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")]))
SEEDS = ROOT / "seeds"
DEFAULT_CONFIG = ROOT / "config" / "monitor.yaml"
PG_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""A PostgreSQL server the tests may create databases on (its own database is never written)."""


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what Apprise's json:// target posts to it (with the
    X-Idempotency-Key header as `key`); it can fail (HTTP 500) or stall (1.5 s) the next requests."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.stall_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.stall_next > 0:  # the sender times out: this request is lost, whenever the
                    receiver.stall_next -= 1  # next one arrives (it neither counts nor takes a failure)
                    time.sleep(1.5)
                    self.send_response(503)
                    self.end_headers()
                    return
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append({**json.loads(body), "key": self.headers.get("X-Idempotency-Key")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.port}/alerts"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 (tests/feedserver.py), closed after the test."""
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project-like folder: config/monitor.yaml (the default rules) and seeds/ (copies of the seeds)."""
    (tmp_path / "config").mkdir()
    shutil.copy(DEFAULT_CONFIG, tmp_path / "config" / "monitor.yaml")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on PG_URL's server, dropped after the test. Skipped,
    saying why, where no server is reachable; with MONITOR_REQUIRE_POSTGRES=1 (CI) that fails instead."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"monitor_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("MONITOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL not reachable at {PG_URL} (MONITOR_REQUIRE_POSTGRES=1): {exc.orig}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.orig}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes it runs twice: on a SQLite file and on a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return str(request.getfixturevalue("pg_url"))
