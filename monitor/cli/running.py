"""Running the monitor: `version`, `check` (the rules file), `run` (once or as a daemon, with the
dashboard if asked) and `serve` (the dashboard and API on their own)."""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from monitor import __version__
from monitor.cli.common import (
    STANCE_STYLE,
    AllowEmptyOption,
    ConfigOption,
    build,
    err,
    fail_config,
    out,
    settings_for,
)
from monitor.config.rules import ConfigError, load_rules

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.pipeline import ArticleReport


SOURCES_FAILED = 3
"""`run --once` exit status when any source failed (the others were still polled and stored)."""


def version() -> None:
    """Print the version."""
    out.print(__version__)


def check(config: ConfigOption = None, allow_empty: AllowEmptyOption = False) -> None:
    """Validate the rules file; print every problem with file, line and key. Exits 2 if invalid (an
    empty file too, unless --allow-empty)."""
    settings = settings_for(config, allow_empty=allow_empty)
    try:
        rules = load_rules(settings.config, allow_empty=settings.allow_empty_rules)
    except ConfigError as exc:
        raise fail_config(exc) from exc
    from monitor.notify.rules import url_problem

    for i, url in enumerate(settings.notify_urls):
        if (problem := url_problem(url)) is not None:
            err.print(f"[red]Invalid setting:[/] MONITOR_NOTIFY_URLS, URL {i + 1}: {escape(problem)}")
            raise typer.Exit(2)
    out.print(
        f"[green]OK[/] {settings.config}: {len(rules.sources)} source(s), {len(rules.topics)} topic(s), "
        f"{len(rules.claims)} claim(s), {len(rules.routes)} alert route(s), "
        f"stance engine '{rules.stance_kind}'"
    )


def run(
    config: ConfigOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll every source once, send alerts, and exit.")
    ] = False,
    summary_every: Annotated[
        float, typer.Option(help="Seconds between the daemon's summary lines (one per poll cycle).")
    ] = 60.0,
    serve: Annotated[
        bool, typer.Option("--serve", help="Also serve the dashboard and API in this process.")
    ] = False,
    host: Annotated[str, typer.Option(help="With --serve: the address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="With --serve: the port.")] = 8080,
    allow_empty: AllowEmptyOption = False,
) -> None:
    """Watch the sources, track the claims and send alerts; runs until stopped unless --once (which
    exits 3 when any source failed, 2 when the rules or the database cannot be used).

    SIGHUP (or editing the rules file) reloads the rules (an invalid or empty file keeps the old ones);
    SIGTERM/SIGINT stop after the current item.
    With --serve, the dashboard and API (as `monitor serve`) run in the same process, for small installs.
    """
    token = _serve_token(config, host) if serve else None
    monitor = build(config, allow_empty=allow_empty)
    from monitor.store.db import DatabaseBusy, single_writer

    lock = ExitStack()
    try:
        lock.enter_context(single_writer(monitor.settings.database_url))
    except DatabaseBusy as exc:
        err.print(f"[red]Cannot run:[/] {escape(str(exc))}")
        monitor.close()
        raise typer.Exit(2) from exc
    if monitor.engine.dialect.name == "sqlite":  # the lock proves no other worker holds a lease
        monitor.own_all_leases()
    out.print(
        f"[bold]monitor[/] {__version__}: {len(monitor.rules.sources)} source(s), "
        f"{len(monitor.rules.claims)} claim(s), "
        f"{sum(len(r.targets) for r in monitor.routing)} alert target(s); "
        f"database {monitor.engine.url.render_as_string(hide_password=True)}"
    )
    try:
        if not once:  # a pass builds the engine (and loads its model) only if an article needs it
            monitor.warm_up()
    except ValueError as exc:
        err.print(f"[red]Cannot build the {monitor.rules.stance_kind!r} stance engine:[/] {escape(str(exc))}")
        monitor.close()
        lock.close()
        raise typer.Exit(2) from exc
    try:
        if once:
            from monitor.app import EngineUnavailable
            from monitor.pipeline import run_pass

            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, partial(_on_signal, stop))
            try:
                stats = run_pass(monitor, report=_print_article, should_stop=stop.is_set)
            except EngineUnavailable as exc:  # built when the first article needed it
                kind = monitor.rules.stance_kind
                err.print(f"[red]Cannot build the {kind!r} stance engine:[/] {escape(str(exc))}")
                raise typer.Exit(2) from exc
            out.print(f"[bold]pass done:[/] {stats.line()}")
            if stats.source_errors:
                err.print(
                    f"[red]{stats.source_errors} source(s) failed[/] (see the log above); exit status 3"
                )
                raise typer.Exit(SOURCES_FAILED)
            return
        from monitor.daemon import Daemon

        daemon = Daemon(monitor, say=out.print, report=_print_article, summary_every=summary_every)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, partial(_on_signal, daemon.stop))
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: daemon.reload_requested.set())
        server = _serve_in_thread(monitor, host, port, token, daemon) if serve else None
        try:
            daemon.run_forever()
        finally:
            if server is not None:
                server.should_exit = True
        out.print("stopped")
    finally:
        monitor.close()
        lock.close()


def _serve_token(config: Path | None, host: str) -> str | None:
    """MONITOR_API_TOKEN, checked against the address to bind (exit 2 when serving is not safe)."""
    from monitor.web.guard import check_bind

    settings = settings_for(config)
    token = settings.api_token.get_secret_value() if settings.api_token else None
    try:
        return check_bind(host, token)
    except ValueError as exc:
        err.print(f"[red]Cannot serve:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _serve_in_thread(monitor: App, host: str, port: int, token: str | None, daemon: Any) -> Any:
    """Start the dashboard and API on a thread of this process; returns the uvicorn server (set
    `should_exit` to stop it). Readiness includes the daemon's scheduler."""
    import uvicorn

    from monitor.web.app import create_app

    web = create_app(monitor, bind_host=host, token=token, scheduler_running=lambda: daemon.running)
    for name in ("monitor.web", "uvicorn.error"):
        logging.getLogger(name).setLevel(min(logging.INFO, logging.getLogger().level))
    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_config=None, access_log=False))
    threading.Thread(target=server.run, name="dashboard", daemon=True).start()
    out.print(f"dashboard and API on http://{host}:{port}/")
    return server


def _on_signal(stop: threading.Event, signum: int, _frame: Any) -> None:
    """First signal: finish the current item, then stop. Second: abort now (each item is its own
    transaction, so nothing stored is lost and nothing is half-stored)."""
    if stop.is_set():
        raise KeyboardInterrupt
    stop.set()
    err.print(f"{signal.Signals(signum).name}: stopping after the current item (again to abort now)")


def _print_article(report: ArticleReport) -> None:
    where = f"{report.source}/{report.key}"
    if report.duplicate_of is not None:
        out.print(f"  [dim]{where}: same story as article {report.duplicate_of}, linked[/]")
        return
    if report.updated:
        where += " (edited)"
    if report.dropped:
        names = ", ".join(report.dropped)
        out.print(
            f"  {escape(where)}: [yellow]names the entities of {escape(names)}, but no topic rule of "
            f"the claim accepted it[/] (`monitor explain`)"
        )
    if not report.verdicts:
        if not report.dropped:
            out.print(f"  {where}: [dim]no tracked claim[/]  {report.title[:70]}", markup=True)
        return
    for verdict in report.verdicts:
        counts: dict[str, int] = {}
        for item in verdict.evidence:
            counts[item.stance.value] = counts.get(item.stance.value, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        style = STANCE_STYLE[verdict.stance.value]
        out.print(
            f"  {where}: {verdict.claim_id} [{style}]{verdict.stance.value} {verdict.confidence:.2f}[/] "
            f"({summary}); {report.new_alerts} new alert(s)"
        )


def serve(
    config: ConfigOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; one that is not loopback needs MONITOR_API_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
) -> None:
    """Serve the read-only JSON API (/api, docs at /docs), /healthz, /readyz and /metrics until
    Ctrl-C or SIGTERM. Never loads the stance model."""
    import uvicorn

    from monitor.web.app import create_app

    token = _serve_token(config, host)
    monitor = build(config)
    try:
        web = create_app(monitor, bind_host=host, token=token)
        for name in ("monitor.web", "uvicorn.error"):  # the access log and the server's start and stop
            logging.getLogger(name).setLevel(min(logging.INFO, logging.getLogger().level))
        uvicorn.run(web, host=host, port=port, log_config=None, access_log=False)
    finally:
        monitor.close()
