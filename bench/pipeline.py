"""Benchmark one pass of the pipeline on copies of the seeds: articles/s, evidence/s, peak memory.

    python3 bench/pipeline.py [--copies 200]

Each copy of a seed gets a unique first body line, so deduplication does not skip it. Alerts go
nowhere (no routes), so the figures are reading, matching, stance and storage in SQLite.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=200, help="copies of each of the five seeds")
    args = parser.parse_args()

    from monitor.app import build_app
    from monitor.pipeline import run_pass
    from monitor.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "articles")
        folder.mkdir()
        seeds = sorted((ROOT / "seeds").glob("*.txt"))
        for i in range(args.copies):
            for seed in seeds:
                lines = seed.read_text().splitlines()
                lines.insert(1, f"Bench copy {i}.")
                (folder / f"{i:05d}_{seed.name}").write_text("\n".join(lines))
        rules = (ROOT / "config" / "monitor.yaml").read_text()
        rules = rules.replace("path: ../seeds", f"path: {folder}").split("\nalerts:")[0]
        rules_path = Path(tmp, "rules.yaml")
        rules_path.write_text(rules)
        settings = Settings(config=rules_path, database_url=f"sqlite:///{tmp}/bench.db", notify_urls=[])

        started = time.perf_counter()
        app = build_app(settings)
        ready = time.perf_counter()
        stats = run_pass(app)
        done = time.perf_counter()
        again = run_pass(app)
        rerun = time.perf_counter() - done

    seconds = done - ready
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles           {stats.new_articles} new ({len(seeds)} seeds x {args.copies} copies)")
    print(f"start-up           {ready - started:.2f} s (rules, database, migrations)")
    print(f"first pass         {seconds:.2f} s = {stats.new_articles / seconds:.1f} articles/s")
    print(f"evidence sentences {stats.evidence} = {stats.evidence / seconds:.0f}/s")
    print(f"second pass        {rerun:.2f} s for {again.unchanged} unchanged files (nothing new)")
    print(f"peak RSS           {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
