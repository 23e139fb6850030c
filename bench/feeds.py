"""Feeds side by side: this project, bare feedparser and rss2email on the same local feeds, in one run.

    python3 bench/feeds.py [--feeds 300] [--entries 20] [--workers 16] [--r2e PATH] [--seed 1]
                           [--markdown]

Check that it works (about a minute): `python3 bench/feeds.py --feeds 20 --entries 5`.

The feeds are bench/corpus.py's (RSS 2.0, each article's whole text in content:encoded, about 500
words), served by a separate process on 127.0.0.1 that answers a matching If-None-Match with 304 Not
Modified. Each tool makes two passes, each pass a process of its own (start-up and imports included,
as a cron job would pay them), measured alone (wall time, user + system CPU of the process and of the
processes it waited for, peak RSS, from wait4):

- `monitor`: `monitor run --once` with bench/claims.py's rules (20 claims, 7 topics), `stance: {kind:
  rules}`, a new SQLite database, `polling.workers` = `per_host` = `--workers` (one host), alerts to a
  local webhook. Pass 1 stores and analyses every entry; pass 2 finds every feed not modified.
- `feedparser`: `feedparser.parse(url)` of every feed, one after another (pass 1), then again with
  each feed's ETag (pass 2: all 304). The floor: fetching and parsing, nothing else.
- `rss2email`: `r2e run --no-send` (3.14; `--r2e` names its executable, else `r2e` on PATH: install it
  in a separate environment, `pip install rss2email==3.14`). `--no-send` still turns every new entry
  into an email message (HTML to text, headers) and records it as seen; it only skips the SMTP
  delivery. Pass 2: every feed 304 (rss2email keeps the ETag too).

`--markdown` prints the section of docs/benchmarks.md: heading, command, machine, load, table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import claims
import corpus
import harness
from harness import Hook


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def feedparser_child(spec: dict[str, Any]) -> None:
    """Parse every feed once (with the ETags of `spec['etags']` when it exists: a conditional pass)."""
    import feedparser

    path = Path(spec["etags"])
    etags: dict[str, str | None] = json.loads(path.read_text()) if path.exists() else {}
    entries = not_modified = 0
    for url in spec["urls"]:
        parsed = feedparser.parse(url, etag=etags.get(url))
        entries += len(parsed.entries)
        not_modified += parsed.get("status") == 304
        etags[url] = parsed.get("etag")
    path.write_text(json.dumps(etags))
    print(f"{entries} entries, {not_modified} not modified", flush=True)


def r2e_setup(r2e: str, folder: Path, urls: list[str]) -> list[str]:
    """A new rss2email config and data file with the feeds; returns the command prefix."""
    config, data = folder / "r2e.cfg", folder / "r2e.json"
    prefix = [r2e, "-c", str(config), "-d", str(data)]
    subprocess.run([*prefix, "new", "bench@example.invalid"], check=True, capture_output=True)
    text = config.read_text()
    config.write_text(text.replace("\nverbose = info", "\nverbose = error"))  # a line per feed otherwise
    with config.open("a") as f:
        for i, url in enumerate(urls):
            f.write(f"\n[feed.feed-{i:04d}]\nurl = {url}\n")
    return prefix


def measured(label: str, step: str, command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    log(f"[{label}] {step} ...")
    run = harness.run_measured(command, env=env)
    note = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    match = re.search(r"pass done: (.*)", run.stdout)
    if match:
        done = match.group(1)
        fetched = re.search(r"(\d+) fetched, (\d+) not modified", done)
        new = re.search(r"(\d+) new article\(s\)", done)
        fetch = f"{fetched.group(1)} fetched, {fetched.group(2)} not modified" if fetched else "?"
        note = f"{fetch}, {new.group(1) if new else '?'} new articles"
    if run.returncode != 0:
        note = f"exit status {run.returncode}; " + note
    return {
        "tool": label,
        "pass": step,
        "wall": run.seconds,
        "cpu": run.cpu_seconds,
        "rss": run.peak_rss_mb,
        "note": note,
    }


def parent(args: argparse.Namespace) -> None:
    r2e = args.r2e or shutil.which("r2e")
    watch = harness.LoadWatch()
    machine = harness.machine()
    rows: list[dict[str, Any]] = []
    hook = Hook()
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-feeds-") as name:
            tmp = Path(name)
            log(f"[feeds] building {args.feeds} feeds of {args.entries} entries in the server process ...")
            with corpus.feed_server(args.seed, args.feeds, args.entries) as port:
                urls = [f"http://127.0.0.1:{port}/{i}.xml" for i in range(args.feeds)]
                rules = tmp / "rules.yaml"
                sources = claims.feed_sources(port, args.feeds)
                rules.write_text(
                    claims.rules_yaml(sources, engine="rules", workers=args.workers, per_host=args.workers)
                )
                monitor_env = harness.monitor_env(rules, f"sqlite:///{tmp / 'monitor.db'}", hook.url)
                monitor_env["NO_PROXY"] = env["NO_PROXY"]
                command = [sys.executable, "-m", "monitor", "run", "--once"]
                for step in ("pass 1", "pass 2 (all 304)"):
                    rows.append(measured("monitor (rules, SQLite)", step, command, monitor_env))
                spec = json.dumps({"urls": urls, "etags": str(tmp / "etags.json")})
                command = [sys.executable, str(Path(__file__).resolve()), "--feedparser-child", spec]
                for step in ("pass 1", "pass 2 (all 304)"):
                    rows.append(measured("feedparser (parse only)", step, command, env))
                if r2e is None:
                    log("rss2email: no `r2e` on PATH and no --r2e: its rows are left out")
                else:
                    prefix = r2e_setup(r2e, tmp, urls)
                    for step in ("pass 1", "pass 2 (all 304)"):
                        rows.append(
                            measured("rss2email 3.14 --no-send", step, [*prefix, "run", "--no-send"], env)
                        )
    finally:
        hook.close()
    load = watch.stop()
    table = [["tool", "pass", "wall s", "CPU s", "peak RSS MB", "outcome"]]
    for r in rows:
        table.append(
            [r["tool"], r["pass"], f"{r['wall']:.2f}", f"{r['cpu']:.2f}", f"{r['rss']:.0f}", r["note"]]
        )
    lines = harness.aligned(table, left=2)
    lines.insert(1, "-" * len(lines[0]))
    command_line = harness.command_line("bench/feeds.py")
    if args.markdown:
        print(f"## Feeds: {args.feeds} feeds x {args.entries} entries\n")
        print(f"`{command_line}`\n")
        print(f"{machine}  \n{load}\n")
        print("```text")
        print("\n".join(lines))
        print("```")
        return
    print(f"machine: {machine}")
    print(load)
    print(f"command: {command_line}")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=300, help="feeds on the local server")
    parser.add_argument("--entries", type=int, default=20, help="entries per feed")
    parser.add_argument(
        "--workers", type=int, default=16, help="the monitor's polling.workers (and per_host)"
    )
    parser.add_argument("--r2e", help="the rss2email executable (default: r2e on PATH)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--markdown", action="store_true", help="print the section for docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="20 feeds of 5 entries (a check)")
    parser.add_argument("--feedparser-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.entries = 20, 5
    if args.feedparser_child:
        feedparser_child(json.loads(args.feedparser_child))
        return
    if args.feeds < 1 or args.entries < 1:
        parser.error("--feeds and --entries must be positive")
    parent(args)


if __name__ == "__main__":
    main()
