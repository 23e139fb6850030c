"""The alert outbox: `alerts` (each alert and its deliveries, retrying a dead letter) and
`notify-test` (a sample alert to one channel)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import ConfigOption, JsonOption, build, err, out


def alerts(
    config: ConfigOption = None,
    failed: Annotated[
        bool,
        typer.Option("--failed", help="Only alerts with a failed (dead-letter) or unknown delivery."),
    ] = False,
    retry: Annotated[
        int | None,
        typer.Option("--retry", help="Send this alert's failed or unknown deliveries again (an alert id)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many alerts, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The alert outbox: each alert with the state of its delivery to each channel."""
    from monitor.store import repository as repo
    from monitor.store.db import unit_of_work
    from monitor.web import queries, schemas

    monitor = build(config)
    if retry is not None:
        with unit_of_work(monitor.sessions) as session:
            again = repo.retry_deliveries(session, alert_id=retry)
        if again == 0:
            err.print(f"[red]Alert {retry} has no failed or unknown delivery to retry.[/]")
            raise typer.Exit(1)
        stats = monitor.dispatch()
        out.print(f"alert {retry}: {again} queued again; sent {stats.sent}, failed {stats.failed}")
        return
    with monitor.read_sessions() as session:
        rows = queries.alerts(session, failed_only=failed, limit=limit)
    if as_json:
        out.print_json(schemas.as_json(rows))
        return
    table = Table(title="Alerts" + (" with failed or unknown deliveries" if failed else ""))
    for column in ("id", "created", "event", "title", "deliveries"):
        table.add_column(column, overflow="fold")
    for row in rows:
        states = "\n".join(
            f"{d.channel}: {d.state}"
            + (f" ({d.attempts} attempts)" if d.attempts > 1 else "")
            + (f" due {d.due_at.isoformat()[:16]}" if d.state in ("pending", "retry") else "")
            for d in row.deliveries
        )
        table.add_row(
            str(row.id), row.created_at.isoformat()[:16], row.event, escape(row.title), states or "-"
        )
    out.print(table)


def notify_test(
    channel: Annotated[str, typer.Argument(help="A channel or route name from the rules file.")],
    config: ConfigOption = None,
) -> None:
    """Send a sample alert to every URL of a channel (or route) and say which accepted it."""
    from monitor.notify.dispatch import sample_alert, send_now

    monitor = build(config)
    targets = [t for r in monitor.routing for t in r.targets if channel in (t.channel, r.route.name)]
    if not targets:
        names = sorted(
            {t.channel for r in monitor.routing for t in r.targets} | {r.route.name for r in monitor.routing}
        )
        err.print(f"[red]No channel or route {channel!r}.[/] Known: {', '.join(names) or 'none'}")
        raise typer.Exit(1)
    failures = 0
    for target in dict.fromkeys(targets):
        ok = send_now(target, [sample_alert()], monitor.renderer)
        failures += not ok
        out.print(
            f"{target.label}, {target.kind} template: {'sent' if ok else '[red]FAILED[/] (see the log)'}"
        )
    if failures:
        raise typer.Exit(1)
