"""Ingest scaling: is the monitor as fast on day 300 as on day 1? Articles per CPU-second over the next
`--measure` articles with 0, 10k, 50k and 100k articles already stored, and the process's RSS after
each level.

    python3 bench/scaling.py [--levels 0,10000,50000,100000] [--measure 500] [--batch 5000]
                             [--engine rules] [--database-url postgresql+psycopg://...] [--seed 1]
                             [--formats txt,md,json,html] [--profile DIR] [--quick] [--markdown] [--json]

Check that it works (a minute or two): `python3 bench/scaling.py --quick` (levels 0,1000,2000, 200
articles measured at each).

One long-lived monitor process (this script with `--child`) builds the app once and then walks up the
levels with ONE store, which each level reuses: fill to the level (bench/corpus.py's articles in
passes of `--batch` files through `monitor.pipeline.run_pass`, the real pipeline), then measure the
next `--measure` articles in one pass, then fill on to the next level (the measured articles count as
stored). Article `i` of the corpus is always the `i`-th stored (dated 500 a day, 5% about one of the
20 claims), so every level measures the same kind of articles, only later ones. Each batch of files is
moved into the watched drop folder for its pass and deleted after it, so the folder listing does not
grow with the store. The files are all written before the monitor starts (about 5 kB each: 500 MB
for the default levels), so the monitor's RSS is its own; a warm-up reads and analyses 40 articles
(storing nothing) before level 0, which would otherwise pay the first imports and compilations.

Per level: articles stored before the measured pass, its articles, CPU seconds of the monitor process
(user + system, `time.process_time`; the analysis runs in the process, `polling.analysis_workers: 1`,
so that this is all the monitor's CPU) and wall seconds, articles per CPU-second and per wall second,
the rate against level 0, evidence written, RSS after the level and the peak so far
(VmRSS, VmHWM) and the database size. The CPU rate is the figure compared: other processes on the
machine slow the wall clock, not the CPU seconds. On PostgreSQL the server's CPU is not the monitor's and
is reported apart: the CPU seconds of the server's backends serving the bench's database (read from
/proc, the server being on this machine) and the rate over the monitor's and the server's CPU together;
the wall rate includes both.

`--profile DIR` runs each measured pass under cProfile (DIR/level-N.prof, its summary on stderr): the
rates of a profiled run include the profiler's overhead and are marked so. `--markdown` prints a
section for docs/benchmarks.md (bench/report.py); `--quick` is the quick check above. With
`--database-url` the store is a database created on that PostgreSQL server for the run and dropped
after it; without, a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import claims
import corpus
import harness

DEFAULT_LEVELS = "0,10000,50000,100000"
QUICK_LEVELS = "0,1000,2000"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The child: one monitor process walking up the levels


def child(spec: dict[str, Any]) -> None:
    import cProfile
    import gc

    from sqlalchemy import func, select, text

    from monitor.app import build_app
    from monitor.config.settings import Settings
    from monitor.ingest.sources.folder import read_one
    from monitor.pipeline import PassStats, check_silence, poll_source, prepare_document, run_pass
    from monitor.store.models import ArticleRow

    settings = Settings(config=Path(spec["rules"]), database_url=spec["database_url"], notify_urls=[])
    app = build_app(settings)
    app.warm_up()
    inbox = Path(spec["inbox"])
    profile_dir = Path(spec["profile"]) if spec.get("profile") else None

    def main_thread_pass() -> PassStats:
        """`run_pass` on this thread (cProfile sees only the thread that enabled it; run_pass polls on
        a pool): each source polled, silence checked, alerts dispatched."""
        stats = PassStats()
        for options in app.rules.sources:
            stats.add(poll_source(app, options, only_due=False))
        stats.alerts += check_silence(app)
        stats.dispatch += app.dispatch()
        return stats

    # Warm up what the first articles would pay once (lazy imports, parsers, compiled patterns): read and
    # analyse articles far beyond any level, storing nothing.
    with app.read_sessions() as session:
        for path in sorted(Path(spec["warm_up"]).iterdir()):
            for document in read_one(path, "warm-up"):
                prepare_document(app, session, document, edited=None)

    postgres = app.engine.dialect.name == "postgresql"

    def server_cpu() -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL backend serving this database (a server on this
        machine: its processes' /proc/PID/stat)."""
        if not postgres:
            return {}
        with app.engine.connect() as connection:
            pids = connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).all()
        ticks = os.sysconf("SC_CLK_TCK")
        found = {}
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                found[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return found

    def one_pass(folder: Path, count: int, profile: Path | None = None) -> dict[str, Any]:
        watched = inbox / folder.name
        folder.rename(watched)
        gc.collect()
        profiler = cProfile.Profile() if profile else None
        server = server_cpu()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        stats = main_thread_pass() if profiler else run_pass(app)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server_seconds = sum(max(t - server.get(pid, 0.0), 0.0) for pid, t in server_cpu().items())
        shutil.rmtree(watched)
        if profiler and profile:
            profiler.dump_stats(profile)
        if stats.new_articles != count or stats.failed:
            raise SystemExit(f"{folder.name}: {stats.new_articles} of {count} stored, {stats.failed} failed")
        return {"cpu": cpu, "server": server_seconds, "wall": wall, "evidence": stats.evidence}

    fill_started = time.perf_counter()
    for step in spec["plan"]:
        folder, count = Path(step["folder"]), step["count"]
        if step["kind"] == "fill":
            done = one_pass(folder, count)
            print(json.dumps({"fill": step["first"] + count, "seconds": round(done["wall"], 1)}), flush=True)
            continue
        level = step["level"]
        fill_seconds = time.perf_counter() - fill_started
        with app.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
        profile = profile_dir / f"level-{level}.prof" if profile_dir else None
        measured = one_pass(folder, count, profile)
        gc.collect()
        memory = harness.vm_status()
        row = {
            "level": level,
            "stored_before": stored,
            "articles": count,
            "cpu_seconds": round(measured["cpu"], 2),
            "server_cpu_seconds": round(measured["server"], 2),
            "wall_seconds": round(measured["wall"], 2),
            "per_cpu_second": round(count / measured["cpu"], 1),
            "per_total_cpu_second": round(count / (measured["cpu"] + measured["server"]), 1),
            "per_wall_second": round(count / measured["wall"], 1),
            "evidence": measured["evidence"],
            "rss_mb": round(memory["VmRSS"], 1),
            "peak_rss_mb": round(memory["VmHWM"], 1),
            "database_mb": round(harness.database_bytes(spec["database_url"]) / 1e6, 1),
            "fill_seconds": round(fill_seconds, 1),
            "profile": str(profile) if profile else None,
        }
        print(json.dumps(row), flush=True)
        fill_started = time.perf_counter()
    app.close()


def plan(levels: list[int], measure: int, batch: int) -> list[dict[str, Any]]:
    """The passes, in order: fills up to each level in passes of `batch`, then `measure` articles. Article
    `i` of the corpus is the `i`-th stored; the measured articles count as stored for the next level."""
    steps: list[dict[str, Any]] = []
    written = 0
    for level in levels:
        while written < level:
            count = min(batch, level - written)
            steps.append({"kind": "fill", "first": written, "count": count, "folder": f"fill-{written:07d}"})
            written += count
        steps.append({"kind": "measure", "level": level, "first": written, "count": measure})
        steps[-1]["folder"] = f"measure-{level:07d}"
        written += measure
    return steps


# ---------------------------------------------------------------------------------------------------
# The parent


def run(args: argparse.Namespace, levels: list[int]) -> dict[str, Any]:
    result: dict[str, Any] = {"engine": args.engine, "measure": args.measure, "batch": args.batch}
    result["database"] = "postgresql" if args.database_url else "sqlite"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as name:
        work = Path(name)
        inbox, staging = work / "inbox", work / "staging"
        inbox.mkdir()
        formats = args.formats.split(",")
        steps = plan(levels, args.measure, args.batch)
        started = time.perf_counter()
        for step in steps:  # written before the monitor starts: its RSS is the monitor's alone
            step["folder"] = str(staging / step["folder"])
            first = step["first"]
            corpus.write_folder(Path(step["folder"]), args.seed, range(first, first + step["count"]), formats)
        corpus.write_folder(work / "warm-up", args.seed, range(10**8, 10**8 + 40), formats)
        log(f"wrote {sum(s['count'] for s in steps)} files in {time.perf_counter() - started:.0f} s")
        rules = work / "rules.yaml"
        rules.write_text(
            claims.rules_yaml(claims.folder_source(inbox), engine=args.engine, analysis_workers=1)
        )
        with harness.scratch_database(args.database_url, work, "scaling") as url:
            spec: dict[str, Any] = {"rules": str(rules), "database_url": url, "inbox": str(inbox)}
            spec |= {"plan": steps, "warm_up": str(work / "warm-up"), "profile": None}
            if args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                spec["profile"] = str(Path(args.profile).resolve())

            def on_line(line: str) -> None:
                if not line.startswith("{"):
                    return
                row = json.loads(line)
                if "fill" in row:
                    log(f"[{result['database']}] filled to {row['fill']} (last pass {row['seconds']} s)")
                    return
                rows.append(row)
                log(
                    f"[{result['database']}] level {row['level']}: {row['per_cpu_second']} articles per "
                    f"CPU-second, {row['per_wall_second']}/s wall, RSS {row['rss_mb']} MB, "
                    f"load {harness.load()}"
                )
                if row["profile"]:
                    for summary in harness.profile_summary(Path(row["profile"])):
                        log(summary)

            command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
            fill = harness.run_measured(command, on_line=on_line)
            if fill.returncode != 0:
                raise SystemExit(f"the monitor process failed (exit {fill.returncode})")
    result |= {
        "levels": rows,
        "seconds": round(fill.seconds, 1),
        "cpu_seconds": round(fill.cpu_seconds, 1),
        "peak_rss_mb": round(fill.peak_rss_mb, 1),
        "profiled": bool(args.profile),
    }
    return result


def table(result: dict[str, Any]) -> list[str]:
    postgres = result["database"] == "postgresql"
    titles = ["stored before", "articles", "CPU s", "per CPU-s", "vs 0"]
    titles += ["server CPU s", "per CPU-s w/ server", "vs 0"] if postgres else []
    titles += ["wall s", "per wall-s", "evidence", "RSS MB", "peak RSS MB", "db MB"]
    rows = [titles]
    levels = result["levels"]
    first = levels[0]["per_cpu_second"] if levels else 0
    first_total = levels[0].get("per_total_cpu_second", 0) if levels else 0
    for r in levels:
        server = []
        if postgres:
            total = r["per_total_cpu_second"]
            server = [f"{r['server_cpu_seconds']:.2f}", f"{total:.1f}", f"{total / first_total:.0%}"]
        rows.append(
            [
                str(r["stored_before"]),
                str(r["articles"]),
                f"{r['cpu_seconds']:.2f}",
                f"{r['per_cpu_second']:.1f}",
                f"{r['per_cpu_second'] / first:.0%}",
                *server,
                f"{r['wall_seconds']:.2f}",
                f"{r['per_wall_second']:.1f}",
                str(r["evidence"]),
                f"{r['rss_mb']:.0f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['database_mb']:.0f}",
            ]
        )
    lines = harness.aligned(rows)
    lines.append(
        f"{result['database']}, engine {result['engine']}: the whole run {result['seconds']:.0f} s wall, "
        f"{result['cpu_seconds']:.0f} CPU s, peak RSS {result['peak_rss_mb']:.0f} MB (wait4)"
        + ("; PROFILED: rates include cProfile's overhead" if result["profiled"] else "")
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", help=f"stored articles to measure at (default {DEFAULT_LEVELS})")
    parser.add_argument("--measure", type=int, help="articles measured at each level (default 500)")
    parser.add_argument("--batch", type=int, default=5000, help="articles per fill pass (default 5000)")
    parser.add_argument("--engine", default="rules", choices=("rules", "semantic"), help="stance engine")
    parser.add_argument("--profile", help="profile each measured pass into this folder")
    parser.add_argument("--quick", action="store_true", help=f"levels {QUICK_LEVELS}, 200 measured")
    parser.add_argument("--markdown", action="store_true", help="print a section for docs/benchmarks.md")
    corpus.common_arguments(parser)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    levels_text = args.levels or (QUICK_LEVELS if args.quick else DEFAULT_LEVELS)
    args.measure = args.measure or (200 if args.quick else 500)
    levels = sorted({int(x) for x in levels_text.split(",")})
    if levels[0] < 0 or args.measure < 1 or args.batch < 1:
        parser.error("--levels must be >= 0, --measure and --batch at least 1")
    watch = harness.LoadWatch()
    started = f"machine: {harness.machine()}"
    command = harness.command_line("bench/scaling.py")
    result = run(args, levels)
    load_line = watch.stop()
    if args.json:
        print(json.dumps({"machine": started, "load": load_line, "command": command, **result}, indent=2))
        return
    if not args.markdown:
        print("\n".join([started, load_line, f"command: {command}", *table(result)]))
        return
    print(f"## Ingest scaling ({result['database']}): articles per CPU-second as the store grows\n")
    print(f"Command: `{command}`\n")
    print(f"- {started.removeprefix('machine: ')}")
    print(f"- {load_line}\n")
    print("```text")
    print("\n".join(table(result)))
    print("```")


if __name__ == "__main__":
    main()
