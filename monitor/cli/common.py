"""What every command shares: the Typer app, the consoles, the common options, and building the app
from the rules file with its errors printed the same way everywhere."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from monitor.config.rules import ConfigError
from monitor.config.settings import Settings

if TYPE_CHECKING:
    from monitor.app import App

app = typer.Typer(help="Track claims across news sources and alert on new evidence.", no_args_is_help=True)
# soft_wrap: progress lines stay whole in logs and pipes; tables and panels still fit the width.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Rules YAML (default: $MONITOR_CONFIG or config/monitor.yaml)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]

STANCE_STYLE = {"confirm": "green", "contradict": "red", "discuss": "yellow", "unrelated": "dim"}


AllowEmptyOption = Annotated[
    bool,
    typer.Option(
        "--allow-empty", help="Accept an empty rules file (no sources, no claims; MONITOR_ALLOW_EMPTY_RULES)."
    ),
]


def settings_for(config: Path | None, *, allow_empty: bool = False) -> Settings:
    """The runtime settings, with `--config` in place of MONITOR_CONFIG when given, and `--allow-empty`."""
    settings = Settings()
    if config is not None:
        settings = settings.model_copy(update={"config": config})
    if allow_empty:
        settings = settings.model_copy(update={"allow_empty_rules": True})
    return settings


def fail_config(exc: ConfigError) -> typer.Exit:
    """Print every problem of an invalid rules file; the Exit (status 2) to raise."""
    err.print(f"[red]Invalid rules ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):[/]")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    return typer.Exit(2)


def build(config: Path | None, *, allow_empty: bool = False) -> App:
    """The app for these rules; exits 2 with the problems printed when they are invalid."""
    from monitor.app import build_app

    try:
        app = build_app(settings_for(config, allow_empty=allow_empty))
    except ConfigError as exc:
        raise fail_config(exc) from exc
    except ValueError as exc:  # e.g. a route tag that no Apprise URL carries
        err.print(f"[red]Configuration error:[/] {exc}", markup=True)
        raise typer.Exit(2) from exc
    from monitor.web.guard import hide_secrets_in_logs

    hide_secrets_in_logs(app)  # with -v, libraries log URLs with their credentials
    return app


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
