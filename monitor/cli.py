"""The `monitor` command line. Tables for people, `--json` (stable field names) for scripts."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from monitor import __version__
from monitor.config.rules import ConfigError, StanceChoice, load_rules
from monitor.config.settings import Settings

if TYPE_CHECKING:
    from monitor.analysis.stance import StanceEngine
    from monitor.app import App
    from monitor.evaluate import Pair, Prediction
    from monitor.pipeline import ArticleReport

app = typer.Typer(help="Track claims across news sources and alert on new evidence.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
# soft_wrap: progress lines stay whole in logs and pipes; tables and panels still fit the width.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Rules YAML (default: $MONITOR_CONFIG or config/monitor.yaml)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]

_STANCE_STYLE = {"confirm": "green", "contradict": "red", "discuss": "yellow", "unrelated": "dim"}


def _settings(config: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"config": config}) if config is not None else settings


def _fail_config(exc: ConfigError) -> typer.Exit:
    err.print(f"[red]Invalid rules ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):[/]")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    return typer.Exit(2)


def _build(config: Path | None) -> App:
    from monitor.app import build_app

    try:
        return build_app(_settings(config))
    except ConfigError as exc:
        raise _fail_config(exc) from exc
    except ValueError as exc:  # e.g. a route tag that no Apprise URL carries
        err.print(f"[red]Configuration error:[/] {exc}", markup=True)
        raise typer.Exit(2) from exc


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command()
def check(config: ConfigOption = None) -> None:
    """Validate the rules file; print every problem with file, line and key. Exits 2 if invalid."""
    settings = _settings(config)
    try:
        rules = load_rules(settings.config)
    except ConfigError as exc:
        raise _fail_config(exc) from exc
    out.print(
        f"[green]OK[/] {settings.config}: {len(rules.sources)} source(s), {len(rules.topics)} topic(s), "
        f"{len(rules.claims)} claim(s), {len(rules.routes)} alert route(s), "
        f"stance engine '{rules.stance_kind}'"
    )


@app.command()
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
) -> None:
    """Watch the sources, track the claims and send alerts; runs until stopped unless --once.

    SIGHUP (or editing the rules file) reloads the rules; SIGTERM/SIGINT stop after the current item.
    With --serve, the dashboard and API (as `monitor serve`) run in the same process, for small installs.
    """
    token = _serve_token(config, host) if serve else None
    monitor = _build(config)
    from monitor.store.db import DatabaseBusy, single_writer

    lock = ExitStack()
    try:
        lock.enter_context(single_writer(monitor.settings.database_url))
    except DatabaseBusy as exc:
        err.print(f"[red]Cannot run:[/] {escape(str(exc))}")
        monitor.close()
        raise typer.Exit(2) from exc
    out.print(
        f"[bold]monitor[/] {__version__}: {len(monitor.rules.sources)} source(s), "
        f"{len(monitor.rules.claims)} claim(s), "
        f"{sum(len(r.targets) for r in monitor.routing)} alert target(s); "
        f"database {monitor.engine.url.render_as_string(hide_password=True)}"
    )
    try:
        monitor.warm_up()
    except ValueError as exc:
        err.print(f"[red]Cannot build the {monitor.rules.stance_kind!r} stance engine:[/] {escape(str(exc))}")
        monitor.close()
        lock.close()
        raise typer.Exit(2) from exc
    try:
        if once:
            from monitor.pipeline import run_pass

            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, partial(_on_signal, stop))
            stats = run_pass(monitor, report=_print_article, should_stop=stop.is_set)
            out.print(f"[bold]pass done:[/] {stats.line()}")
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

    settings = _settings(config)
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
    if not report.verdicts:
        out.print(f"  {where}: [dim]no tracked claim[/]  {report.title[:70]}", markup=True)
        return
    for verdict in report.verdicts:
        counts: dict[str, int] = {}
        for item in verdict.evidence:
            counts[item.stance.value] = counts.get(item.stance.value, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        style = _STANCE_STYLE[verdict.stance.value]
        out.print(
            f"  {where}: {verdict.claim_id} [{style}]{verdict.stance.value} {verdict.confidence:.2f}[/] "
            f"({summary}); {report.new_alerts} new alert(s)"
        )


@app.command()
def claims(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the tracked claims with their status and evidence counts."""
    from monitor.web import queries, schemas

    monitor = _build(config)
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


@app.command()
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

    monitor = _build(config)
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
    for column in ("date", "stance", "sentence", "speaker", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = _STANCE_STYLE.get(row.stance, "")
        date = f"{row.published:%Y-%m-%d}" + ("~" if row.published_estimated else "")
        table.add_row(
            date,
            f"[{style}]{row.stance}[/] {row.confidence:.2f}" + (" (recap)" if row.recap else ""),
            row.sentence,
            row.speaker or "-",
            (row.outlet + "\n" if row.outlet else "") + row.source,
        )
    out.print(table)
    if any(r.published_estimated for r in rows):
        out.print("[dim]~ date estimated (from the text or the file time)[/]")


@app.command()
def timeline(
    claim_id: Annotated[str, typer.Argument(help="The claim's id from the rules file.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a claim's history: one line per statement (first said, with its repeats) and per status
    change, in the order things were said."""
    from monitor.ledger.timeline import timeline as build_timeline
    from monitor.web import queries, schemas

    monitor = _build(config)
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
        style = _STANCE_STYLE.get(row["stance"], "")
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
        out.print("[dim]~ no date in the article: its file time[/]")


@app.command()
def backtest(
    config: ConfigOption = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A candidate rules file to try (default: the current rules)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only articles published on or after this date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay stored articles through the current (or a candidate) rules file and print the alerts it
    would have sent. Sends nothing and changes nothing."""
    from monitor.backtest import backtest as run_backtest
    from monitor.backtest import scratch_app
    from monitor.ingest.dates import parse_date

    start = parse_date(since) if since else None
    if since and start is None:
        err.print(f"[red]--since {since!r} is not a date[/] (use YYYY-MM-DD)")
        raise typer.Exit(2)
    live = _build(config)
    candidate = rules or live.rules.path
    try:
        columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        bar = Progress(*columns, console=err, disable=not err.is_terminal)
        with scratch_app(live.settings, candidate) as scratch, bar:
            task = bar.add_task("replaying articles", total=None)
            result = run_backtest(
                live.sessions,
                scratch,
                since=start,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ConfigError as exc:
        raise _fail_config(exc) from exc
    finally:
        live.close()
    if as_json:
        out.print_json(json.dumps({"articles": result.articles, "alerts": result.alerts}))
        return
    for alert in result.alerts:
        out.print(f"[bold]{escape(alert['title'])}[/]\n{escape(alert['body'])}\n")
    kinds: dict[str, int] = {}
    for alert in result.alerts:
        kinds[alert["event"]] = kinds.get(alert["event"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
    out.print(
        f"[bold]backtest:[/] {result.articles} article(s) replayed with {escape(str(candidate))}; "
        f"{len(result.alerts)} alert(s) would have been sent ({summary}); nothing was sent"
    )


@app.command("alerts")
def alerts_command(
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

    monitor = _build(config)
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


@app.command()
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
    monitor = _build(config)
    try:
        web = create_app(monitor, bind_host=host, token=token)
        for name in ("monitor.web", "uvicorn.error"):  # the access log and the server's start and stop
            logging.getLogger(name).setLevel(min(logging.INFO, logging.getLogger().level))
        uvicorn.run(web, host=host, port=port, log_config=None, access_log=False)
    finally:
        monitor.close()


@app.command("notify-test")
def notify_test(
    channel: Annotated[str, typer.Argument(help="A channel or route name from the rules file.")],
    config: ConfigOption = None,
) -> None:
    """Send a sample alert to every URL of a channel (or route) and say which accepted it."""
    from monitor.notify.dispatch import sample_alert, send_now

    monitor = _build(config)
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
        out.print(f"{target.masked} ({target.kind}): {'sent' if ok else '[red]FAILED[/] (see the log)'}")
    if failures:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled pairs, JSONL or JSONL.gz (see the README).")],
    bodies: Annotated[
        Path | None, typer.Option(help="Bodies JSONL(.gz) joined on body_id (FNC-1 pairs).")
    ] = None,
    engine: Annotated[
        str | None, typer.Option(help="Stance engine kind (default: the rules file's).")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="Write one JSON line per pair, in input order.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N pairs.")] = None,
    sample: Annotated[
        int | None, typer.Option(min=1, help="N pairs drawn at random (after --limit).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of --sample.")] = 0,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure a stance engine on a labelled claim-stance data set: per-class F1, FNC score, pairs/s."""
    from monitor import evaluate as ev

    try:
        body_map = ev.load_bodies(bodies) if bodies is not None else None
        pairs = ev.load_pairs(data, body_map, bodies_path=bodies, limit=limit)
    except ev.DataError as exc:
        err.print(f"[red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if sample is not None:
        pairs = ev.sample_pairs(pairs, sample, seed)
    kind, stance_engine, build_seconds = _eval_engine(config, engine)
    started = time.perf_counter()
    judged = _judge_with_progress(stance_engine, pairs)
    judge_seconds = time.perf_counter() - started
    if predictions is not None:
        _write_predictions(predictions, judged)
    scores = ev.score([p.gold for p in judged], [p.stance for p in judged])
    report = ev.Report(data, bodies, kind, scores, build_seconds, judge_seconds)
    if as_json:
        out.print_json(json.dumps(report.as_json()))
    else:
        out.print(ev.render(report))


def _eval_engine(config: Path | None, kind: str | None) -> tuple[str, StanceEngine, float]:
    """Build the engine to measure (the rules file's, or `kind`); returns its kind, it and the build time."""
    from pydantic import ValidationError

    from monitor.analysis.stance import ENGINES, build_engine
    from monitor.evaluate import choose_engine

    settings = _settings(config)
    try:
        rules = load_rules(settings.config)
        rules_kind, rules_options = rules.stance_kind, rules.stance_options
        base_dir: Path | None = rules.path.parent
    except ConfigError as exc:
        err.print(f"[yellow]Rules not loaded[/] ({escape(str(exc.problems[0]))}); default engine options")
        rules_kind, rules_options, base_dir = None, {}, None
    chosen, options = choose_engine(kind, rules_kind, rules_options, StanceChoice().kind)
    if chosen not in ENGINES:
        err.print(f"[red]Unknown stance engine {chosen!r};[/] known: {', '.join(ENGINES)}")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        built = build_engine(chosen, options, base_dir)
    except (ValidationError, ValueError) as exc:
        err.print(f"[red]Cannot build the {chosen!r} engine:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    return chosen, built, time.perf_counter() - started


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} pairs/s" if task.speed else "- pairs/s", style="progress.data.speed")


def _judge_with_progress(engine: StanceEngine, pairs: list[Pair]) -> list[Prediction]:
    from monitor.evaluate import judge_pairs

    columns = (TextColumn("judging"), BarColumn(), MofNCompleteColumn(), _RateColumn())
    with Progress(
        *columns, TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not err.is_terminal
    ) as progress:
        task = progress.add_task("judging", total=len(pairs))
        return judge_pairs(engine, pairs, advance=lambda n: progress.advance(task, n))


def _write_predictions(path: Path, judged: list[Prediction]) -> None:
    from monitor.evaluate import write_predictions

    try:
        write_predictions(path, judged)
    except OSError as exc:
        err.print(f"[red]Cannot write {escape(str(path))}:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc


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
