"""Worker scaling on PostgreSQL: the same feeds ingested by 1, 2 and 3 `monitor run` processes sharing
one database (source leases, claim locks, the outbox's claims).

    python3 bench/workers.py [--workers 1,2,3] [--feeds 200] [--entries 10] [--engine semantic]
                             [--threads 4] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Check that it works (about a minute): `python3 bench/workers.py --workers 1,2 --feeds 20 --entries 5`.

The feeds are bench/corpus.py's (about 500 words an article, 5% about one of its 20 claims), served by
a separate process on 127.0.0.1, and tracked with its rules file. For each worker count, on a new
PostgreSQL database made for the run and dropped after it: the workers start on the rules without
sources and, once each says it is running, the rules file gets the feeds; each worker reloads it and
they share the polls. Measured until every entry is stored and every alert delivered to a local
webhook: the wall time from the rules change, the rate over the span between the first and the last
stored article (the steady state, without the reload), the workers' CPU seconds and peak RSS (from
wait4). Printed: a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import claims
import corpus
import harness
from harness import ROOT, Hook

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Worker:
    """A `monitor run` subprocess whose output is kept; `running` is set when it says so."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--summary-every", "5"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.running = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "running;" in line:
                self.running.set()

    def stop(self) -> tuple[float, float]:
        """SIGTERM, then (CPU seconds, peak RSS MB) of the process."""
        self.proc.terminate()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        if self.proc.returncode != 0:
            tail = "".join(self.lines[-20:])
            raise SystemExit(f"a worker exited with {self.proc.returncode}:\n{tail}")
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def progress(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from monitor.store.models import ArticleRow, DeliveryRow, SourceItemRow

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            span = session.execute(
                select(func.min(ArticleRow.created_at), func.max(ArticleRow.created_at))
            ).one()
            return {
                "items": session.scalar(select(func.count()).select_from(SourceItemRow)) or 0,
                "articles": session.scalar(select(func.count()).select_from(ArticleRow)) or 0,
                "open": session.scalar(
                    select(func.count()).select_from(DeliveryRow).where(DeliveryRow.state != "sent")
                )
                or 0,
                "deliveries": session.scalar(select(func.count()).select_from(DeliveryRow)) or 0,
                "span": (span[1] - span[0]).total_seconds() if span[0] is not None else 0.0,
            }
    finally:
        engine.dispose()


def measure(n: int, args: argparse.Namespace, port: int, tmp: Path, hook: Hook) -> dict[str, Any]:
    config = tmp / f"workers-{n}.yaml"
    rules = claims.rules_yaml("", engine=args.engine, workers=args.threads, per_host=16)
    config.write_text(rules.replace("sources:\n", "sources: []\n", 1))
    expected = args.feeds * args.entries
    with harness.scratch_database(args.database_url, tmp, f"workers{n}") as url:
        env = harness.monitor_env(config, url, hook.url)
        workers = [Worker(env) for _ in range(n)]
        for w in workers:
            if not w.running.wait(300):
                raise SystemExit("a worker did not start:\n" + "".join(w.lines[-20:]))
        started = time.perf_counter()
        config.write_text(
            claims.rules_yaml(
                claims.feed_sources(port, args.feeds), engine=args.engine, workers=args.threads, per_host=16
            )
        )
        last = 0.0
        while True:
            time.sleep(0.5)
            state = progress(url)
            if state["items"] >= expected and state["open"] == 0:
                break
            if time.perf_counter() - last > 10:
                last = time.perf_counter()
                print(f"  [{n} worker(s)] {state['items']}/{expected} entries stored", file=sys.stderr)
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"{n} worker(s): not done after {args.timeout} s ({state})")
        wall = time.perf_counter() - started
        state = progress(url)
        usage = [w.stop() for w in workers]
    return {
        "workers": n,
        "entries": expected,
        "articles": state["articles"],
        "alerts": state["deliveries"],
        "wall": wall,
        "span": state["span"],
        "rate": state["articles"] / state["span"] if state["span"] else 0.0,
        "cpu": sum(u[0] for u in usage),
        "rss": max(u[1] for u in usage),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2,3", help="comma-separated worker counts (default 1,2,3)")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=10, help="entries per feed (default 10)")
    parser.add_argument("--engine", default="semantic", help="stance engine (default semantic)")
    parser.add_argument("--threads", type=int, default=4, help="polling.workers of each worker (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER, help=f"PostgreSQL server (default {DEFAULT_SERVER})"
    )
    args = parser.parse_args()
    watch = harness.LoadWatch()
    rows = []
    hook = Hook()
    try:
        with (
            corpus.feed_server(args.seed, args.feeds, args.entries) as port,
            tempfile.TemporaryDirectory(prefix="bench-workers-") as name,
        ):
            for n in [int(x) for x in args.workers.split(",") if x]:
                print(f"[{n} worker(s)] ...", file=sys.stderr)
                rows.append(measure(n, args, port, Path(name), hook))
    finally:
        hook.close()
    print(f"machine: {harness.machine()}")
    print(watch.stop())
    print(f"command: {harness.command_line('bench/workers.py')}")
    print(
        f"corpus:  seed {args.seed}; {args.feeds} feeds x {args.entries} entries on 127.0.0.1; "
        f"stance engine {args.engine}; polling.workers {args.threads} per process\n"
    )
    print(
        "| workers | entries | articles | alerts | wall s | steady articles/s | CPU s (all) "
        "| peak RSS MB (one) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['workers']} | {r['entries']} | {r['articles']} | {r['alerts']} | {r['wall']:.1f} | "
            f"{r['rate']:.1f} | {r['cpu']:.0f} | {r['rss']:.0f} |"
        )


if __name__ == "__main__":
    main()
