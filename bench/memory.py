"""Memory and store growth: the monitor ingesting up to 100,000 articles, and a fresh `monitor run
--once` working on that store.

    python3 bench/memory.py [--articles 100000] [--batch 10000] [--probe 1000] [--engine rules]
                            [--formats txt,md,json,html] [--seed 1] [--keep DIR] [--json]
                            [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Check that it works (about a minute): `python3 bench/memory.py --articles 1000 --batch 500 --probe 100`.

The articles are bench/corpus.py's (about 500 words, 5% about one of its 20 claims, no two of one
story), as files of the four kinds in turn. The `rules` stance engine is the default: filling 100,000
articles through the pipeline with the `semantic` engine would take hours here (`--engine semantic`
does it). Nothing is written to the database except by the pipeline itself:

1. the corpus is written first: `--articles` files in folders of `--batch`, and `--probe` more files
   (the articles after them) in a probe folder;
2. probe, empty store: `monitor run --once` (the CLI, a subprocess) over the probe folder on an empty
   database of its own;
3. fill: one long-lived process (this script with `--child`) builds the app once, then for each batch
   moves the batch folder into its watched folder, runs `monitor.pipeline.run_pass` and moves the folder
   out again (a drop folder emptied after each pass, so a pass lists only its own files and the listing
   does not grow with the store). Per pass: articles stored before it, its seconds and articles/s,
   evidence and alerts, the process's RSS after it and its peak so far (VmRSS, VmHWM), and the
   database size;
4. probe, full store: the same `monitor run --once` over the probe folder on the filled database (the
   probe articles are new to it), then once more with nothing new (start-up, listing and checking every
   probe file; what every later `run --once` costs).

For each probe: wall seconds, new articles, articles/s over the wall time and over the wall time minus
the nothing-new run (start-up excluded), and the process's peak RSS (ru_maxrss from wait4). Alerts are
written to the outbox; no alert target is configured, so none is sent. With `--database-url` the store
is a database created on that PostgreSQL server for the run and dropped after it. `--keep DIR` keeps
the work folder (the files and the SQLite database) in DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import claims
import corpus
import harness


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The child: the long-lived monitor that fills the store


def child(spec: dict[str, Any]) -> None:
    import resource

    from sqlalchemy import func, select

    from monitor.app import build_app
    from monitor.config.settings import Settings
    from monitor.pipeline import run_pass
    from monitor.store.models import ArticleRow

    settings = Settings(config=Path(spec["rules"]), database_url=spec["database_url"], notify_urls=[])
    app = build_app(settings)
    app.warm_up()
    inbox, done = Path(spec["inbox"]), Path(spec["done"])
    for n, batch in enumerate(Path(b) for b in spec["batches"]):
        with app.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
        watched = inbox / batch.name
        batch.rename(watched)
        started = time.perf_counter()
        stats = run_pass(app)
        seconds = time.perf_counter() - started
        watched.rename(done / batch.name)
        memory = harness.vm_status()
        row = {
            "pass": n,
            "stored_before": stored,
            "new_articles": stats.new_articles,
            "duplicates": stats.duplicates,
            "failed": stats.failed,
            "seconds": round(seconds, 2),
            "articles_per_second": round(stats.new_articles / seconds, 2),
            "evidence": stats.evidence,
            "alerts": stats.alerts,
            "rss_mb": round(memory["VmRSS"], 1),
            "peak_rss_mb": round(memory["VmHWM"], 1),
            "database_mb": round(harness.database_bytes(spec["database_url"]) / 1e6, 1),
        }
        print(json.dumps(row), flush=True)
    app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"done": True, "peak_rss_mb": round(peak, 1)}), flush=True)


# ---------------------------------------------------------------------------------------------------
# The parent


_PASS_DONE = re.compile(r"(\d+) new article\(s\).*?; (\d+) evidence sentence\(s\); (\d+) new alert\(s\)")


def probe(rules: Path, database_url: str, out: Path, label: str) -> dict[str, Any]:
    """`monitor run --once` as a subprocess: wall time, peak RSS, what its summary line says."""
    log(f"[{label}] monitor run --once ...")
    with out.open("w") as stdout:
        run = harness.run_measured(
            [sys.executable, "-m", "monitor", "run", "--once"],
            harness.monitor_env(rules, database_url),
            stdout,
        )
    summary = next((line for line in out.read_text().splitlines() if line.startswith("pass done")), "")
    found = _PASS_DONE.search(summary)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"[{label}] monitor run --once failed (exit {run.returncode}); its output: {out}")
    new, evidence, alerts = (int(x) for x in found.groups())
    return {
        "probe": label,
        "seconds": round(run.seconds, 2),
        "new_articles": new,
        "evidence": evidence,
        "alerts": alerts,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "cpu_seconds": round(run.cpu_seconds, 2),
    }


@contextlib.contextmanager
def workdir(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep).resolve()
        if path.exists() and any(path.iterdir()):
            raise SystemExit(f"--keep {path}: the folder must be new or empty")
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        yield Path(name)


def run(args: argparse.Namespace) -> dict[str, Any]:
    formats = args.formats.split(",")
    result: dict[str, Any] = {"engine": args.engine, "articles": args.articles, "batch": args.batch}
    with workdir(args.keep) as work:
        staging, inbox, done, probe_dir = (work / n for n in ("staging", "inbox", "done", "probe"))
        for folder in (staging, inbox, done):
            folder.mkdir()
        started = time.perf_counter()
        batches = []
        for first in range(0, args.articles, args.batch):
            batch = staging / f"batch-{first // args.batch:03d}"
            corpus.write_folder(
                batch, args.seed, range(first, min(first + args.batch, args.articles)), formats
            )
            batches.append(str(batch))
        corpus.write_folder(probe_dir, args.seed, range(args.articles, args.articles + args.probe), formats)
        result["generate_seconds"] = round(time.perf_counter() - started, 1)
        log(f"wrote {args.articles + args.probe} files in {result['generate_seconds']} s")
        fill_rules, probe_rules = work / "fill.yaml", work / "probe.yaml"
        fill_rules.write_text(claims.rules_yaml(claims.folder_source(inbox), engine=args.engine))
        probe_rules.write_text(
            claims.rules_yaml(claims.folder_source(probe_dir, "probe"), engine=args.engine)
        )

        with harness.scratch_database(args.database_url, work, "empty") as empty_url:
            result["probe_empty"] = probe(
                probe_rules, empty_url, work / "probe-empty.out", "probe, empty store"
            )
        with harness.scratch_database(args.database_url, work, "store") as url:
            passes: list[dict[str, Any]] = []

            def on_line(line: str) -> None:
                if not line.startswith("{"):
                    return
                row = json.loads(line)
                if "pass" in row:
                    passes.append(row)
                    rate = f"{row['new_articles']} new in {row['seconds']} s ({row['articles_per_second']}/s)"
                    before = f"pass {row['pass']}: {row['stored_before']} stored before"
                    log(f"[fill] {before}, {rate}, RSS {row['rss_mb']} MB")
                else:
                    result["fill_peak_rss_mb"] = row["peak_rss_mb"]

            spec: dict[str, Any] = {"rules": str(fill_rules), "database_url": url, "inbox": str(inbox)}
            spec |= {"done": str(done), "batches": batches}
            fill = harness.run_measured(
                [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)], on_line=on_line
            )
            if fill.returncode != 0:
                raise SystemExit(f"the fill process failed (exit {fill.returncode})")
            result |= {
                "passes": passes,
                "fill_seconds": round(fill.seconds, 1),
                "fill_wait4_peak_rss_mb": round(fill.peak_rss_mb, 1),
                "fill_cpu_seconds": round(fill.cpu_seconds, 1),
            }
            result["probe_full"] = probe(probe_rules, url, work / "probe-full.out", "probe, full store")
            result["probe_again"] = probe(probe_rules, url, work / "probe-again.out", "probe, nothing new")
            result["database_mb"] = round(harness.database_bytes(url) / 1e6, 1)
            result["stored"] = sum(p["new_articles"] for p in passes) + result["probe_full"]["new_articles"]
    return result


def report(result: dict[str, Any], header: list[str]) -> None:
    for line in header:
        print(line)
    print(
        f"engine {result['engine']}; {result['articles']} articles in passes of {result['batch']}, "
        f"generated in {result['generate_seconds']} s; fill {result['fill_seconds']} s"
    )
    titles = ["pass", "stored before", "new", "seconds", "articles/s", "evidence", "alerts", "RSS MB"]
    titles += ["peak RSS MB", "db MB"]
    keys = ["pass", "stored_before", "new_articles", "seconds", "articles_per_second", "evidence", "alerts"]
    keys += ["rss_mb", "peak_rss_mb", "database_mb"]
    table = [list(titles)] + [[str(p[k]) for k in keys] for p in result["passes"]]
    print("\n".join(harness.aligned(table)))
    print(
        f"fill process: peak RSS {result['fill_wait4_peak_rss_mb']:.0f} MB (wait4), "
        f"CPU {result['fill_cpu_seconds']:.0f} s over {result['fill_seconds']:.0f} s"
    )
    again = result["probe_again"]
    for key in ("probe_empty", "probe_full", "probe_again"):
        p = result[key]
        rate = p["new_articles"] / p["seconds"]
        work = p["seconds"] - again["seconds"]
        net = f", {p['new_articles'] / work:.1f}/s without start-up" if p["new_articles"] and work > 0 else ""
        print(
            f"{p['probe']:<20} monitor run --once: {p['new_articles']} new in {p['seconds']:.1f} s "
            f"({rate:.1f}/s{net}); {p['evidence']} evidence, {p['alerts']} alerts; "
            f"peak RSS {p['peak_rss_mb']:.0f} MB"
        )
    stored = result["stored"]
    print(
        f"database on disk   {result['database_mb']:.0f} MB for {stored} articles "
        f"({result['database_mb'] * 1e3 / max(stored, 1):.1f} kB per article, text and index included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000, help="articles to fill the store with")
    parser.add_argument("--batch", type=int, default=10_000, help="articles per fill pass")
    parser.add_argument("--probe", type=int, default=1000, help="articles of each `run --once` probe")
    parser.add_argument("--engine", default="rules", choices=("rules", "semantic"), help="stance engine")
    parser.add_argument("--keep", help="keep the work folder (files, SQLite database) here")
    corpus.common_arguments(parser)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if min(args.articles, args.batch, args.probe) < 1:
        parser.error("--articles, --batch and --probe must be at least 1")
    watch = harness.LoadWatch()
    header = [f"machine: {harness.machine()}", f"command: {harness.command_line('bench/memory.py')}"]
    result = run(args)
    header.insert(1, watch.stop())
    if args.json:
        print(json.dumps({"header": header, **result}, indent=2))
    else:
        report(result, header)


if __name__ == "__main__":
    main()
