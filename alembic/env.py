"""Alembic environment: the URL comes from the monitor's settings (MONITOR_DATABASE_URL), or from the
engine the application hands over when it upgrades the schema on start."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from monitor.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    from monitor.config.settings import Settings
    from monitor.store.db import make_engine

    return make_engine(config.get_main_option("sqlalchemy.url") or Settings().database_url)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the app's UTCDateTime as a plain timezone-aware DateTime: migrations import no app types."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")  # holding the migration lock (monitor.store.db.upgrade)
    if isinstance(given, Connection):
        _run(given)
        given.commit()
        return
    with _engine().connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
