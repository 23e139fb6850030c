"""Inspecting what the monitor found: `claims` (status and counts), `evidence` (the sentences) and
`timeline` (a claim's history as it was said). Read-only: these commands never write the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import STANCE_STYLE, ConfigOption, JsonOption, build, err, out


def claims(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the tracked claims with their status and evidence counts."""
    from monitor.web import queries, schemas

    monitor = build(config)
    with monitor.read_sessions() as session:
        rows = queries.claims(monitor, session)
    if as_json:
        out.print_json(schemas.as_json(rows))
        return
    table = Table(title="Tracked claims (sources: independent sources now confirming / contradicting)")
    for column in ("claim", "status", "sources", "confirm", "contradict", "discuss", "last evidence"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            f"[bold]{row.claim_id}[/]\n{row.claim}",
            row.status,
            f"{row.confirming_sources} / {row.contradicting_sources}",
            str(row.confirm),
            str(row.contradict),
            str(row.discuss),
            f"{row.last_evidence:%Y-%m-%d}" if row.last_evidence else "-",
        )
    out.print(table)
    for row in rows:
        out.print(f"[bold]{row.claim_id}[/] is {row.status}: {row.status_reason}")


def evidence(
    claim_id: Annotated[str, typer.Argument(help="The claim's id from the rules file.")],
    config: ConfigOption = None,
    stance: Annotated[
        str | None, typer.Option(help="Only this stance: confirm, contradict or discuss.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the evidence for one claim: sentence, stance, speaker, source and date."""
    from monitor.store import repository as repo
    from monitor.web import queries, schemas

    monitor = build(config)
    with monitor.read_sessions() as session:
        if not repo.claim_exists(session, claim_id=claim_id):
            err.print(
                f"[red]No claim {claim_id!r}.[/] Known: {', '.join(c.id for c in monitor.rules.claims)}"
            )
            raise typer.Exit(1)
        rows = queries.evidence(session, claim_id=claim_id, stance=stance)
    if as_json:
        out.print_json(schemas.as_json(rows))
        return
    table = Table(title=f"Evidence for {claim_id}")
    for column in ("date", "stance", "sentence", "speaker", "outlet, found at"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = STANCE_STYLE.get(row.stance, "")
        date = f"{row.published:%Y-%m-%d}" + ("~" if row.published_estimated else "")
        table.add_row(
            date,
            f"[{style}]{row.stance}[/] {row.confidence:.2f}" + (" (recap)" if row.recap else ""),
            row.sentence,
            row.speaker or "-",
            f"{row.outlet or 'unnamed outlet'}\n{row.source}",  # the file is where it was found, not who
        )
    out.print(table)
    if any(r.published_estimated for r in rows):
        out.print("[dim]~ date estimated (from the text or the file time)[/]")


def timeline(
    claim_id: Annotated[str, typer.Argument(help="The claim's id from the rules file.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a claim's history: one line per statement (first said, with its repeats) and per status
    change, in the order things were said."""
    from monitor.ledger.timeline import timeline as build_timeline
    from monitor.web import queries, schemas

    monitor = build(config)
    with monitor.read_sessions() as session:
        if monitor.rules.claim(claim_id) is None:
            err.print(
                f"[red]No claim {claim_id!r}.[/] Known: {', '.join(c.id for c in monitor.rules.claims)}"
            )
            raise typer.Exit(1)
        ledger = monitor.tracker.ledger(session, claim_id)
    if as_json:
        out.print_json(schemas.as_json(queries.timeline(claim_id, ledger)))
        return
    rows = build_timeline(ledger)
    out.print(f"[bold]{claim_id}[/]: {escape(monitor.rules.claim(claim_id).claim)}")  # type: ignore[union-attr]
    for row in rows:
        day = row["date"][:10]
        if row["type"] == "status":
            out.print(f"{day}  [bold]status {row['old_status']} -> {row['status']}[/]: {escape(row['why'])}")
            continue
        style = STANCE_STYLE.get(row["stance"], "")
        mark = {"confirmation": "new", "contradiction": "new", "position_change": "changed"}.get(
            row["event"] or "", ""
        )
        said = day + ("~" if row["date_estimated"] else "")
        source = escape(row["source"])
        out.print(
            f"{said}  [{style}]{row['stance']:<10}[/] {row['confidence']:.2f}  [bold]{source}[/]"
            + (f" [italic]{mark}[/]" if mark else "")
            + f"  “{escape(row['sentence'])}”  ({escape(row['outlet'])}, article {row['article_id']})"
        )
        if row["repeats"]:
            again = ", ".join(f"{r['outlet']} {r['date'][:10]}" for r in row["repeats"])
            out.print(
                f"            [dim]repeated {len(row['repeats'])}x, not counted again: {escape(again)}[/]"
            )
    out.print(f"[bold]{claim_id}[/] is {ledger.status}: {escape(ledger.reason)}")
    if any(r.get("date_estimated") for r in rows):
        out.print("[dim]~ an estimated date: the article has no date of its own[/]")
