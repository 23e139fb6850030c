"""Database commands: `db upgrade` (the schema; `run` also upgrades on start)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.common import out
from monitor.config.settings import Settings

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (the app also does this on start)."""
    from monitor.store.db import current_revision, make_engine, upgrade

    settings = Settings()
    engine = make_engine(settings.database_url)
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    out.print(f"database {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} -> {after}")
