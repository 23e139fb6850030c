"""End-to-end ingest benchmark: articles/s through the real pipeline, from a folder and from local feeds.

    python3 bench/ingest.py [--sources folder,feeds] [--engines semantic,rules] [--articles 2000]
                            [--feeds 100] [--workers 16] [--analysis-workers N] [--formats txt,md,json,html]
                            [--seed 1]
                            [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                            [--copies 200] [--drops 7] [--profile DIR] [--json]

Check that it works (about a minute): `python3 bench/ingest.py --articles 200 --feeds 10`.

The articles are bench/corpus.py's (about 500 words each, 5% of them about one of 20 tracked claims,
none near-duplicates of another), tracked with its rules file (20 claims, 7 topics). Sources:

- `folder`: `--articles` files in one folder source, a quarter each .txt, .md (front matter), .json
  and .html (a whole page, read by trafilatura);
- `feeds`: the same articles as `--feeds` RSS 2.0 feeds (full text in content:encoded) served by a
  separate process on 127.0.0.1, polled on `--workers` threads (one host, so `per_host` is raised to the
  worker count; real publishers spread over many hosts);
- `seeds`: `--copies` copies of each of the five seeds with config/monitor.yaml's rules (one claim),
  each copy with a unique first body line so deduplication does not skip it.

Every (source, engine) is measured in a process of its own (this script with `--child`) on a new,
empty database: SQLite in a temporary folder, or with `--database-url` a database created on that
PostgreSQL server for the run and dropped after it (the URL's own database is never written). The
process builds the app (`monitor.app.build_app`, migrations) and the stance engine (`App.warm_up`: the
MiniLM model loads), runs `monitor.pipeline.run_pass` once (timed: the figures), then once more (all
files unchanged, every feed 304 Not Modified). Alerts go to a local webhook (MONITOR_NOTIFY_URLS,
`json://`), so sending them is part of the pass.

Printed, per row: new articles; relevant ones (generated) and those stored with a verdict; evidence
sentences; alerts written and delivered to the webhook; start-up (build + engine) s; the pass s and
articles/s; the second pass s; the process's peak RSS (ru_maxrss from wait4) and CPU use (user + system
s over wall s, 200% = both cores). `--drops N` adds the time from dropping a relevant article into a
folder watched by `monitor run` (the daemon, a subprocess) to its alert arriving at the webhook,
median and max over N drops. `--profile DIR` runs each pass under cProfile
(its sources one after another on the main thread, as one worker would; slower) and prints where the
time goes. The header gives the machine, the load average before and after, and the command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import claims
import corpus
import harness
from harness import ROOT, Hook

SOURCES = ("folder", "feeds", "seeds")
ENGINES = ("semantic", "rules")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The child: one measured pass


def child(spec: dict[str, Any]) -> None:
    from sqlalchemy import distinct, func, select

    from monitor.app import build_app
    from monitor.config.settings import Settings
    from monitor.pipeline import run_pass
    from monitor.store.models import ArticleClaimRow

    settings = Settings(
        config=Path(spec["rules"]), database_url=spec["database_url"], notify_urls=spec["notify"]
    )
    started = time.perf_counter()
    app = build_app(settings)
    app.warm_up()
    ready = time.perf_counter()
    stats = profiled_pass(app, Path(spec["profile"])) if spec["profile"] else run_pass(app)
    done = time.perf_counter()
    again = run_pass(app)
    rerun = time.perf_counter() - done
    with app.sessions() as session:
        with_verdict = session.scalar(select(func.count(distinct(ArticleClaimRow.article_id)))) or 0
    app.close()
    row = {
        "startup_seconds": round(ready - started, 3),
        "pass_seconds": round(done - ready, 3),
        "new_articles": stats.new_articles,
        "duplicates": stats.duplicates,
        "failed": stats.failed + stats.source_errors,
        "with_verdict": with_verdict,
        "evidence": stats.evidence,
        "alerts": stats.alerts,
        "sent": stats.dispatch.sent,
        "second_pass_seconds": round(rerun, 3),
        "second_pass_unchanged": again.unchanged,
        "second_pass_not_modified": again.not_modified,
        "second_pass_new": again.new_articles,
    }
    print(json.dumps(row), flush=True)


def profiled_pass(app: Any, path: Path) -> Any:
    """`run_pass` with its sources polled one after another on this thread, under cProfile (which sees
    only the thread it runs on)."""
    import cProfile

    from monitor.pipeline import PassStats, check_silence, poll_source

    profiler = cProfile.Profile()
    stats = PassStats()
    profiler.enable()
    for options in app.rules.sources:
        stats.add(poll_source(app, options, only_due=False))
    stats.alerts += check_silence(app)
    stats.dispatch += app.dispatch()
    profiler.disable()
    profiler.dump_stats(path)
    return stats


# ---------------------------------------------------------------------------------------------------
# The parent: prepare the sources, one child per row, the table


def seed_copies(folder: Path, copies: int) -> int:
    """Copies of the seeds, each with a unique first body line."""
    folder.mkdir(parents=True)
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for i in range(copies):
        for seed in seeds:
            lines = seed.read_text().splitlines()
            lines.insert(1, f"Bench copy {i}.")
            (folder / f"{i:05d}_{seed.name}").write_text("\n".join(lines))
    return copies * len(seeds)


def seed_rules(folder: Path, engine: str) -> str:
    """config/monitor.yaml with the folder, without its alert routes, with `engine`."""
    rules = (ROOT / "config" / "monitor.yaml").read_text()
    rules = rules.replace("path: ../seeds", f"path: {folder}").split("\nalerts:")[0]
    return rules.replace("kind: semantic", f"kind: {engine}")


@contextlib.contextmanager
def prepared(source: str, args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, int, int]]:
    """Write the source's files or start its feed server; yields (sources YAML, articles, relevant)."""
    if source == "seeds":
        folder = tmp / "seeds"
        count = seed_copies(folder, args.copies)
        yield f"  - {{name: seeds, kind: folder, path: {json.dumps(str(folder))}}}\n", count, count
        return
    relevant = sum(corpus.relevant(i) for i in range(args.articles))
    if source == "folder":
        folder = tmp / "folder"
        started = time.perf_counter()
        corpus.write_folder(folder, args.seed, range(args.articles), args.formats.split(","))
        log(f"[folder] wrote {args.articles} files in {time.perf_counter() - started:.1f} s")
        yield claims.folder_source(folder), args.articles, relevant
        return
    entries = args.articles // args.feeds
    log(f"[feeds] building {args.feeds} feeds of {entries} entries in the server process ...")
    with corpus.feed_server(args.seed, args.feeds, entries) as port:
        yield claims.feed_sources(port, args.feeds), args.feeds * entries, relevant


def measure(
    source: str,
    engine: str,
    sources: str,
    expected: tuple[int, int],
    args: argparse.Namespace,
    tmp: Path,
    hook: Hook,
) -> dict[str, Any]:
    name = f"{source}-{engine}"
    rules = tmp / f"{name}.yaml"
    if source == "seeds":
        rules.write_text(seed_rules(tmp / "seeds", engine))
    else:
        polling: dict[str, Any] = (
            {"workers": args.workers, "per_host": args.workers} if source == "feeds" else {}
        )
        rules.write_text(
            claims.rules_yaml(sources, engine=engine, analysis_workers=args.analysis_workers, **polling)
        )
    profile = Path(args.profile).resolve() / f"{name}.prof" if args.profile else None
    with harness.scratch_database(args.database_url, tmp, name) as url:
        spec = {"rules": str(rules), "database_url": url, "notify": [hook.url], "profile": str(profile or "")}
        hook.arrived.clear()
        log(f"[{name}] measuring ...")
        run = harness.run_measured(
            [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
        )
        size = harness.database_bytes(url)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    row: dict[str, Any] = {"source": source, "engine": engine, "database": url.split(":", 1)[0]}
    if run.returncode != 0 or not lines:
        return row | {"failed_run": f"exited with {run.returncode} (see stderr)"}
    row |= json.loads(lines[-1])
    row |= {
        "articles": expected[0],
        "relevant": expected[1],
        "delivered": len(hook.arrived),
        "articles_per_second": round(row["new_articles"] / row["pass_seconds"], 2),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "cpu_percent": round(100 * run.cpu_seconds / run.seconds),
        "database_mb": round(size / 1e6, 1),
        "profile": str(profile) if profile else None,
    }
    log(f"[{name}] {row['new_articles']} articles in {row['pass_seconds']:.1f} s")
    return row


def drop_latency(engine: str, drops: int, seed: int, tmp: Path, hook: Hook) -> dict[str, Any]:
    """Drop relevant articles (each about another claim, so each makes a new source and alerts) into a
    folder watched by `monitor run`; the time from writing the file to its first alert at the hook."""
    work = tmp / f"drop-{engine}"
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    rules = work / "rules.yaml"
    rules.write_text(claims.rules_yaml(claims.folder_source(inbox), engine=engine))
    env = harness.monitor_env(rules, f"sqlite:///{work}/drop.db", hook.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("running"):
            break
    time.sleep(1)
    latencies = []
    for i in range(drops):
        before = len(hook.arrived)
        a = corpus.article(seed, i * corpus.RELEVANT_EVERY)
        started = time.monotonic()
        (inbox / f"drop-{i}.txt").write_text(corpus.as_file(a, "txt"))
        while len(hook.arrived) == before and time.monotonic() - started < 60:
            time.sleep(0.005)
        if len(hook.arrived) > before:
            latencies.append(hook.arrived[before][0] - started)
        time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=60)
    proc.stdout.close()
    shutil.rmtree(work)
    return {"engine": engine, "drops": drops, "latencies": [round(x, 3) for x in latencies]}


COLUMNS = (
    ("source", "source", "{}"),
    ("engine", "engine", "{}"),
    ("db", "database", "{}"),
    ("articles", "new_articles", "{}"),
    ("relevant", "relevant", "{}"),
    ("w/ verdict", "with_verdict", "{}"),
    ("evidence", "evidence", "{}"),
    ("alerts", "alerts", "{}"),
    ("delivered", "delivered", "{}"),
    ("start-up s", "startup_seconds", "{:.1f}"),
    ("pass s", "pass_seconds", "{:.1f}"),
    ("articles/s", "articles_per_second", "{:.1f}"),
    ("again s", "second_pass_seconds", "{:.2f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ("CPU", "cpu_percent", "{}%"),
    ("db MB", "database_mb", "{:.0f}"),
)


def print_table(rows: list[dict[str, Any]]) -> None:
    table = [[title for title, _, _ in COLUMNS]]
    notes = []
    for row in rows:
        if "failed_run" in row:
            notes.append(f"{row['source']}/{row['engine']}: {row['failed_run']}")
            continue
        table.append([fmt.format(row[key]) for _, key, fmt in COLUMNS])
        again = (
            f"{row['second_pass_not_modified']} feeds not modified"
            if row["source"] == "feeds"
            else f"{row['second_pass_unchanged']} files unchanged"
        )
        label = f"{row['source']}/{row['engine']}"
        notes.append(f"{label}: second pass: {again}, {row['second_pass_new']} new")
        if row["duplicates"] or row["failed"] or row["new_articles"] != row["articles"]:
            counts = f"{row['articles']} offered, {row['duplicates']} duplicates, {row['failed']} failed"
            notes.append(f"{label}: {counts}")
    print("\n".join(harness.aligned(table, left=3)))
    for note in notes:
        print(note)


def parent(args: argparse.Namespace) -> None:
    sources = [s for s in args.sources.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    for chosen, known in ((sources, SOURCES), (engines, ENGINES)):
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise SystemExit(f"unknown: {', '.join(unknown)}; known: {', '.join(known)}")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    watch = harness.LoadWatch()
    machine = harness.machine()
    rows: list[dict[str, Any]] = []
    drops: list[dict[str, Any]] = []
    hook = Hook()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
            tmp = Path(name)
            for source in sources:
                with prepared(source, args, tmp) as (yaml_sources, articles, relevant):
                    for engine in engines:
                        rows.append(
                            measure(source, engine, yaml_sources, (articles, relevant), args, tmp, hook)
                        )
            for engine in engines if args.drops else ():
                log(f"[drop-{engine}] {args.drops} drops ...")
                drops.append(drop_latency(engine, args.drops, args.seed, tmp, hook))
    finally:
        hook.close()
    header = {"machine": machine, "load": watch.stop(), "command": harness.command_line("bench/ingest.py")}
    if args.json:
        print(json.dumps(header | {"rows": rows, "drops": drops}, indent=2))
        return
    print(f"machine: {header['machine']}")
    print(header["load"])
    print(f"command: {header['command']}")
    print(f"corpus:  seed {args.seed}; feeds: {args.feeds} feeds on 127.0.0.1, {args.workers} workers")
    print_table(rows)
    for d in drops:
        shown = ", ".join(f"{x:.2f}" for x in d["latencies"])
        if d["latencies"]:
            print(
                f"drop -> alert ({d['engine']}): median {statistics.median(d['latencies']):.2f} s, "
                f"max {max(d['latencies']):.2f} s over {len(d['latencies'])} of {d['drops']} drops ({shown})"
            )
        else:
            print(f"drop -> alert ({d['engine']}): no alert arrived")
    for row in rows:
        if row.get("profile"):
            print("\n".join(harness.profile_summary(Path(row["profile"]))))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", default="folder,feeds", help=f"comma-separated, of {', '.join(SOURCES)}")
    parser.add_argument("--engines", default="semantic,rules", help="comma-separated stance engines")
    parser.add_argument(
        "--articles", type=int, default=2000, help="articles (files, or entries over all feeds)"
    )
    parser.add_argument("--feeds", type=int, default=100, help="feeds the articles are spread over")
    parser.add_argument("--workers", type=int, default=16, help="polling workers for the feeds")
    parser.add_argument(
        "--analysis-workers", type=int, help="polling.analysis_workers (default: the engine's default)"
    )
    parser.add_argument("--copies", type=int, default=200, help="for --sources seeds: copies of each seed")
    parser.add_argument("--drops", type=int, default=0, help="drop-to-alert measurements per engine (max 20)")
    parser.add_argument("--profile", help="write a cProfile dump per row into this folder and summarise it")
    corpus.common_arguments(parser)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if args.articles < 1 or args.feeds < 1 or args.articles % args.feeds:
        parser.error("--articles must be a positive multiple of --feeds")
    if not 0 <= args.drops <= len(claims.CLAIMS):
        parser.error(f"--drops must be between 0 and {len(claims.CLAIMS)}")
    parent(args)


if __name__ == "__main__":
    main()
