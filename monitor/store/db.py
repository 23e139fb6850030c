"""Engine, sessions and migrations. Nothing is built at import time: the composition root calls these."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


def migrations_folder() -> Path:
    """The Alembic scripts: shipped inside the package (a wheel carries the top-level alembic/ folder
    as monitor/store/migrations), else the source tree's alembic/ (an editable install)."""
    here = Path(__file__).resolve().parent
    packaged = here / "migrations"
    return packaged if (packaged / "env.py").is_file() else here.parents[1] / "alembic"


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create the engine. SQLite files get their folder created, WAL mode, foreign keys, a busy timeout,
    and transactions that take the write lock when they begin (BEGIN IMMEDIATE): several polling threads
    then wait their turn instead of failing with "database is locked" when a reader turns writer.

    `read_only` (the web API): every transaction is read-only (SQLite: `query_only` and a plain BEGIN,
    so reads never take the write lock and never wait for a writer, WAL gives them a snapshot;
    PostgreSQL: `default_transaction_read_only`). A write raises."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if read_only:
            return create_engine(
                url, pool_pre_ping=True, connect_args={"options": "-c default_transaction_read_only=on"}
            )
        # The pipeline's statements are small lookups by index; a parallel plan (chosen when the
        # planner overestimates rows, as it does for tables never analysed) starts worker processes
        # for each of them, every article.
        return create_engine(
            url, pool_pre_ping=True, connect_args={"options": "-c max_parallel_workers_per_gather=0"}
        )
    if parsed.database and parsed.database != ":memory:" and not read_only:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    if read_only:

        @event.listens_for(engine, "begin")
        def _begin_read(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    # One write transaction at a time in this process, waiting in a lock rather than in SQLite's busy
    # handler: that one polls (sleeps of up to 100 ms, the database idle meanwhile) and is unfair, so
    # with many polling threads one of them could wait past the 30 s timeout ("database is locked").
    # (The commit event comes just before the COMMIT itself: the next writer's BEGIN IMMEDIATE may
    # then wait a millisecond in the busy handler.) A transaction whose end was somehow not seen only
    # makes the next writer wait WRITER_WAIT, then fall back to SQLite's own waiting.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.info["writer"] = writer.acquire(timeout=WRITER_WAIT)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Any) -> None:
        if connection.info.pop("writer", False):
            writer.release()

    return engine


WRITER_WAIT = 30.0
"""Seconds a SQLite write transaction waits for this process's other writers (as long as SQLite's busy
timeout)."""


class DatabaseBusy(RuntimeError):
    """Another `monitor run` process already writes to this SQLite database."""


@contextmanager
def single_writer(url: str) -> Iterator[None]:
    """Hold an exclusive lock beside a SQLite database file while `monitor run` writes to it: SQLite is
    the single-process default, and a second writer process is refused with DatabaseBusy (readers such
    as `monitor serve` need no lock). The lock file sits beside the resolved path, so a symlink to the
    database (or to its folder) is locked as the database itself. Other databases (PostgreSQL) share
    work between processes, so nothing is locked for them."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        yield
        return
    import fcntl

    given = Path(parsed.database)
    given.parent.mkdir(parents=True, exist_ok=True)
    path = given.resolve()
    with open(f"{path}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusy(
                f"another `monitor run` is already using {path}: SQLite allows one writing process. "
                "Stop the other one, or use PostgreSQL (MONITOR_DATABASE_URL) to run several workers."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    migrations = migrations_folder()
    if not (migrations / "env.py").is_file():
        raise RuntimeError(f"migrations not found at {migrations}; reinstall the package (pip install .)")
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 7_350_142_001
"""The PostgreSQL advisory lock held while the schema is upgraded: workers starting together take
turns, and the later ones find the schema already current."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent; safe when several processes start at once)."""
    from alembic import command

    config = alembic_config(engine)
    if engine.dialect.name != "postgresql":
        command.upgrade(config, revision)
        return
    with engine.connect() as connection:
        connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
        connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        finally:
            connection.rollback()
            connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
            connection.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _insert(session: Session, model: type[DeclarativeBase]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model)
    raise NotImplementedError(f"databases supported: SQLite and PostgreSQL, not {dialect}")


def insert_new(session: Session, model: type[DeclarativeBase], values: dict[str, Any], *, key: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING: the new row's id, or None when a row with this unique
    `key` exists. The database arbitrates, so two workers writing the same row at once never both
    succeed and neither fails."""
    statement = _insert(session, model).values(**values).on_conflict_do_nothing(index_elements=[key])
    return session.scalar(statement.returning(model.id))  # type: ignore[attr-defined]


def insert_missing(
    session: Session, model: type[DeclarativeBase], rows: list[dict[str, Any]], *, key: str
) -> None:
    """Insert the rows whose unique `key` is not stored yet (as `insert_new`, for many rows)."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(index_elements=[key]), rows)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session
