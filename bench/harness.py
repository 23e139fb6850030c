"""The harness of the end-to-end benches: scratch databases (SQLite, or a database made on a PostgreSQL
server and dropped after), a local webhook, wall time, peak RSS and CPU of a subprocess, the machine
and load lines, and the summary of a cProfile dump.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------------
# Harness


class Hook:
    """A local webhook (Apprise `json://`) in a thread of this process; `arrived` holds (time, body)."""

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
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def scratch_database(server_url: str | None, folder: Path, name: str) -> Iterator[str]:
    """A new, empty database for one measurement; yields its URL.

    Without `server_url`: a SQLite file in `folder`. With a PostgreSQL URL: a database created on that
    server for this measurement (`bench_<name>_<pid>`) and dropped afterwards; the URL's own database
    is only used to connect, never written."""
    if server_url is None:
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must be a PostgreSQL URL (SQLite is the default), not {server_url}")
    database = f"bench_{name}_{os.getpid()}".replace("-", "_")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def database_bytes(url: str) -> int:
    """Size on disk: the SQLite file with its -wal and -shm files, or pg_database_size."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        base = Path(parsed.database or "")
        return sum(p.stat().st_size for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists())
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    finally:
        engine.dispose()


@dataclass
class Measured:
    returncode: int
    stdout: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float


def run_measured(
    command: Sequence[str],
    env: dict[str, str] | None = None,
    stdout: IO[str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Measured:
    """Run `command` (stderr passes through) and measure that process alone: wall time, peak RSS
    (the kernel's ru_maxrss of exactly this child, from wait4) and user + system CPU seconds. Stdout is
    returned (each line also given to `on_line` as it comes), or written to `stdout` when given."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(command), cwd=ROOT, env=env, stdout=stdout if stdout is not None else subprocess.PIPE, text=True
    )
    lines = []
    for line in proc.stdout if proc.stdout is not None else ():
        lines.append(line)
        if on_line is not None:
            on_line(line)
    out = "".join(lines)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stdout is not None:
        proc.stdout.close()
    return Measured(
        returncode=proc.returncode,
        stdout=out,
        seconds=time.perf_counter() - started,
        peak_rss_mb=usage.ru_maxrss / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def monitor_env(config: Path, database_url: str, notify: str = "") -> dict[str, str]:
    """The environment of a `monitor` subprocess: these settings, no other MONITOR_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {
        "MONITOR_CONFIG": str(config),
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_NOTIFY_URLS": notify,
    }
    return env


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


class LoadWatch:
    """Samples the 1-minute load average every few seconds in a thread, from start to `stop()`: a
    peak above the CPU count means other processes competed for the cores during the measurement."""

    def __init__(self, every: float = 5.0) -> None:
        self.before = load()
        self.peak = os.getloadavg()[0]
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, os.getloadavg()[0])

    def stop(self) -> str:
        """Stop sampling; the line for a bench's header."""
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, os.getloadavg()[0])
        return f"load average (1/5/15 min): {self.before} before, {load()} after, 1-min peak {self.peak:.1f}"


def machine() -> str:
    """CPUs, versions and the date, for the header of every bench."""
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, "
        f"torch {_version('torch')}, SQLAlchemy {_version('sqlalchemy')}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def command_line(script: str) -> str:
    return " ".join(["python3", script, *sys.argv[1:]])


def vm_status() -> dict[str, float]:
    """This process's current and peak resident memory in MB (VmRSS, VmHWM of /proc/self/status)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def aligned(table: Sequence[Sequence[str]], left: int = 0) -> list[str]:
    """The rows of `table` as lines of aligned columns: the first `left` columns to the left, the others
    (figures) to the right."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells))
    return lines


STEPS = (
    ("folder: list, read and hash files", "monitor/ingest/sources/folder.py", "_items"),
    ("feeds: fetch and parse", "monitor/ingest/sources/feed.py", "poll"),
    ("read documents (parse files, HTML)", "monitor/pipeline.py", "_read"),
    ("article from document (dates, outlet)", "monitor/ingest/article.py", "to_article"),
    ("dedupe lookup (fingerprint, URL)", "monitor/store/repository.py", "find_article"),
    ("analyze: topics, entity gate, stance", "monitor/analysis/analyzer.py", "analyze"),
    ("  of which the stance engine", "monitor/analysis/analyzer.py", "claim_evidence"),
    ("store the article row", "monitor/store/repository.py", "add_article"),
    ("story: MinHash, band lookup, bands", "monitor/pipeline.py", "_place_in_story"),
    ("store evidence and verdicts", "monitor/pipeline.py", "_record_verdict"),
    ("ledger replay and alerts (Tracker.update)", "monitor/tracking.py", "update"),
    ("  of which loading the claim's evidence", "monitor/store/repository.py", "ledger_entries"),
    ("  of which replay", "monitor/ledger/claim_ledger.py", "replay"),
    ("record the item", "monitor/store/repository.py", "record_item"),
    ("commit transactions", "sqlalchemy/orm/session.py", "commit"),
    ("send alerts (dispatch)", "monitor/app.py", "dispatch"),
)
"""(label, file suffix, function) of the pipeline's steps, for `profile_summary`'s cumulative times."""


def _group(file: str, name: str) -> str:
    if file == "~":
        for lib in ("sqlite3", "torch", "psycopg", "lxml", "numpy", "re.Pattern", "_hashlib", "zlib"):
            if lib in name:
                return f"{lib.split('.')[0]} (C)"
        return "builtins (C)"
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/monitor/" in file:
        return "monitor/" + file.rsplit("/monitor/", 1)[1]
    return "stdlib " + Path(file).name


def profile_summary(path: Path, top: int = 12) -> list[str]:
    """What a cProfile dump says: the pipeline's steps (cumulative time, share of the run), own time by
    library or module, and the functions with the most own time."""
    import pstats

    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in stats.values()) or 1.0
    lines = [f"profile {path.name}: {total:.1f} s profiled"]
    for label, suffix, function in STEPS:
        cumulative = sum(
            ct for (f, _, n), (_, _, _, ct, _) in stats.items() if f.endswith(suffix) and n == function
        )
        if cumulative:
            lines.append(f"  step  {label:<45} {cumulative:8.2f} s {cumulative / total:6.1%}")
    groups: dict[str, float] = {}
    for (file, _, name), (_, _, tt, _, _) in stats.items():
        groups[_group(file, name)] = groups.get(_group(file, name), 0.0) + tt
    for group, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  own   {group:<45} {seconds:8.2f} s {seconds / total:6.1%}")
    ranked = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (file, line, name), (_, calls, tt, ct, _) in ranked:
        where = f"{_group(file, name)}:{line} {name}" if file != "~" else name
        lines.append(f"  func  {where[:60]:<60} {tt:7.2f} s own {ct:7.2f} s cum {calls:>9} calls")
    return lines
