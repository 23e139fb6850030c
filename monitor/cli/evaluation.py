"""Measuring judgements: `eval` (a stance engine on a labelled data set) and `backtest` (stored
articles replayed through current or candidate rules; nothing is sent or changed)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
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
from rich.text import Text

from monitor.cli.common import ConfigOption, JsonOption, build, err, fail_config, out, settings_for
from monitor.config.rules import ConfigError, StanceChoice, load_rules

if TYPE_CHECKING:
    from monitor.analysis.stance import StanceEngine
    from monitor.evaluate import Pair, Prediction


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
    """Measure a stance engine on a labelled claim-stance data set (or an inference set: premise,
    hypothesis, label): per-class F1, FNC score, pairs/s."""
    from monitor import evaluate as ev

    try:
        body_map = ev.load_bodies(bodies) if bodies is not None else None
        skipped: list[str] = []
        pairs = ev.load_pairs(data, body_map, bodies_path=bodies, limit=limit, skipped=skipped)
    except ev.DataError as exc:
        err.print(f"[red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if skipped:
        err.print(
            f"{len(skipped)} two-way (not_entailment) inference pair(s) left out: "
            "no one stance stands for them"
        )
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

    settings = settings_for(config)
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
    live = build(config)
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
        raise fail_config(exc) from exc
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
