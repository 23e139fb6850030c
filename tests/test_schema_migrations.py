"""The Alembic migrations build exactly the models' schema, on SQLite (WAL) and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from monitor.store.db import current_revision, make_engine, upgrade
from monitor.store.models import Base


def assert_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_sqlite_upgrade_creates_the_schema_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'm.db'}")
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == "0008"
    assert_schema_matches_models(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def test_postgres_upgrade_creates_the_same_schema(pg_engine: Engine) -> None:
    upgrade(pg_engine)
    assert current_revision(pg_engine) == "0008"
    assert_schema_matches_models(pg_engine)
