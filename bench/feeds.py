"""Benchmark feed polling against 1,000 local feeds, and the drop-folder alert latency.

    python3 bench/feeds.py [--feeds 1000] [--entries 20] [--drops 7]

Prints:
- one full poll cycle in which every feed has `--entries` new entries (fetch, parse, dedupe, match,
  stance, store; 5% of entries concern the tracked claim), and its peak memory;
- one full poll cycle in which every feed answers 304 Not Modified;
- the time from dropping a file into a watched folder to its alert arriving at a local webhook
  (`monitor run` as a subprocess; median and max over `--drops` drops).

The feeds are served by a separate process on 127.0.0.1 (one host, so `per_host` is raised to the
worker count; with real publishers the per-host limit spreads over many hosts).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RELEVANT = "Officials said that North Korean troops have already arrived in Russia, the ministry confirmed."
FILLER = "The city council approved a new budget for road repairs and school buildings on {day}."


def feed_body(feed: int, entries: int) -> bytes:
    items = []
    base = datetime(2024, 10, 1, tzinfo=UTC)
    for j in range(entries):
        text = RELEVANT if (feed * entries + j) % 20 == 0 else FILLER.format(day=f"day {j} of feed {feed}")
        when = format_datetime(base + timedelta(minutes=j))
        items.append(
            f"<item><guid>f{feed}-e{j}</guid><title>Report {j} from feed {feed}</title>"
            f"<link>http://news.test/{feed}/{j}</link><description>{text}</description><pubDate>{when}</pubDate></item>"
        )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
    return (head + "".join(items) + "</channel></rss>").encode()


def serve(port_out: Any, entries: int) -> None:
    cache: dict[int, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            feed = int(self.path.strip("/").split(".")[0].split("/")[-1])
            etag = f'"{feed}-v1"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = cache.setdefault(feed, feed_body(feed, entries))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_address[1]
    server.serve_forever()


def _claims() -> str:
    """The default config's claims section, without its topic filter."""
    text = (ROOT / "config" / "monitor.yaml").read_text().split("claims:")[1].split("\nstance:")[0]
    return "\n".join(line for line in text.splitlines() if "topics:" not in line)


def poll_cycles(feeds: int, entries: int, workers: int) -> None:
    from monitor.app import build_app
    from monitor.pipeline import run_cycle
    from monitor.settings import Settings

    port = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(port, entries), daemon=True)
    server.start()
    while port.value == 0:
        time.sleep(0.05)
    with tempfile.TemporaryDirectory() as tmp:
        sources = "".join(
            f"  - {{name: f{i}, kind: feed, url: 'http://127.0.0.1:{port.value}/{i}.xml'}}\n"
            for i in range(feeds)
        )
        claims = _claims()
        rules = Path(tmp, "rules.yaml")
        rules.write_text(
            f"sources:\n{sources}claims:{claims}\npolling:\n  workers: {workers}\n  per_host: {workers}\n"
        )
        app = build_app(Settings(config=rules, database_url=f"sqlite:///{tmp}/bench.db", notify_urls=[]))
        started = time.perf_counter()
        first = run_cycle(app, app.rules.sources, only_due=False)
        new_cycle = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        second = run_cycle(app, app.rules.sources, only_due=False)
        not_modified_cycle = time.perf_counter() - started
        app.close()
    server.terminate()
    print(f"feeds                      {feeds} on 127.0.0.1, {workers} workers")
    print(
        f"cycle, {entries} new entries each  {new_cycle:.1f} s  ({first.new_articles} articles stored, "
        f"{first.new_articles / new_cycle:.0f}/s; {first.evidence} evidence sentences; "
        f"{first.source_errors} failed)"
    )
    print(f"cycle, all 304             {not_modified_cycle:.1f} s  ({second.not_modified} not modified)")
    print(f"peak RSS (monitor)         {peak:.0f} MB")


class Hook:
    def __init__(self) -> None:
        self.arrived: list[tuple[float, dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.arrived.append((time.monotonic(), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def drop_latency(drops: int) -> None:
    hook = Hook()
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp, "inbox")
        inbox.mkdir()
        claims = _claims()
        Path(tmp, "rules.yaml").write_text(
            f"sources:\n  - {{name: inbox, kind: folder, path: inbox, interval: 1h}}\nclaims:{claims}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env |= {
            "MONITOR_CONFIG": str(Path(tmp, "rules.yaml")),
            "MONITOR_DATABASE_URL": f"sqlite:///{tmp}/drop.db",
            "MONITOR_NOTIFY_URLS": f"json://127.0.0.1:{hook.server.server_address[1]}/hook",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("running"):
                break
        time.sleep(1)
        latencies = []
        for i in range(drops):
            before = len(hook.arrived)
            path = inbox / f"drop-{i}.txt"
            text = f"Drop {i}\n\nIn drop number {i}, {RELEVANT}\n"
            started = time.monotonic()
            path.write_text(text)
            while len(hook.arrived) == before and time.monotonic() - started < 30:
                time.sleep(0.005)
            if len(hook.arrived) > before:
                latencies.append(hook.arrived[before][0] - started)
            time.sleep(0.5)
        proc.terminate()
        proc.wait(timeout=30)
    hook.server.shutdown()
    shown = ", ".join(f"{x:.2f}" for x in latencies)
    print(
        f"drop -> alert              median {statistics.median(latencies):.2f} s, "
        f"max {max(latencies):.2f} s ({shown})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--drops", type=int, default=7)
    args = parser.parse_args()
    poll_cycles(args.feeds, args.entries, args.workers)
    drop_latency(args.drops)


if __name__ == "__main__":
    main()
