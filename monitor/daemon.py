"""`monitor run`: sources polled when due on a bounded pool, folders watched for instant pickup, rules
reloaded live; several such processes may share one PostgreSQL database.

- Every `polling.tick` seconds (an APScheduler job) the worker leases as many due sources as it has
  free poll threads (`polling.workers`), most overdue first (monitor.store.leases), and polls them.
  When a source is due is kept in the database (`next_check_at`: interval and jitter after a success,
  backoff and Retry-After after a failure), so workers sharing a database share one schedule, and a
  source is polled by one worker at a time. A worker that dies has its sources taken over once their
  leases (`polling.lease`) expire.
- Folders are watched with filesystem events (watchdog): a new or changed file asks for its folder's
  poll (`poll_requested`), which the next claim takes within a fraction of a second; the folder's
  interval is the periodic rescan that catches anything an event missed. A file that arrives while its
  folder is being polled asks for one more poll.
- Every `alerts.delivery.retry_every` (a minute): silence alerts, and failed deliveries retried (the
  outbox's claims keep two workers from sending one delivery).
- SIGHUP, or a change to the rules file, reloads the rules; an invalid new file is reported and the
  old rules stay in force.
- SIGTERM/SIGINT: polls stop after their current item (each item is one transaction; a feed whose
  items were not all handled keeps its old validators, so its next poll sees them again), a fetch in
  flight is abandoned (not counted as a failure), leases are released, then the scheduler shuts down.
  A second signal aborts at once.
- One summary line per cycle: every `summary_every` seconds, the counts of the polls since the last.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from monitor.app import App
from monitor.config.rules import ConfigError
from monitor.ingest.sources.folder import FolderOptions
from monitor.pipeline import PassStats, Reporter, check_silence, claim_due, poll_leased
from monitor.store import leases
from monitor.store.db import unit_of_work
from monitor.store.models import utcnow

log = logging.getLogger(__name__)
TRIGGER_DELAY = 0.2
"""Seconds a filesystem event waits before the poll, so that a file being written can finish."""


class Daemon:
    def __init__(
        self,
        app: App,
        *,
        say: Callable[[str], None],
        report: Reporter | None = None,
        summary_every: float = 60.0,
    ) -> None:
        self.app = app
        self.say = say
        self.report = report
        self.summary_every = summary_every
        self.stop = threading.Event()
        self.reload_requested = threading.Event()
        self._lock = threading.Lock()
        self._polling: set[str] = set()
        self._claim_again = threading.Event()
        self._claiming = False
        self._cycle = PassStats()
        self._pool = ThreadPoolExecutor(app.rules.polling.workers, thread_name_prefix="poll")
        self._scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}, timezone="UTC"
        )
        self._observer: Any = None

    @property
    def running(self) -> bool:
        """The scheduler is up and no stop was asked for (the dashboard's /readyz uses it)."""
        return bool(self._scheduler.running) and not self.stop.is_set()

    # lifecycle

    def start(self) -> None:
        self._scheduler.add_job(
            self._claim,
            IntervalTrigger(seconds=self.app.rules.polling.tick),
            id="claim",
            next_run_time=datetime.now().astimezone(),
            max_instances=2,  # a wake-up during a claim starts a second run, which asks the first to go again
        )
        self._scheduler.add_job(
            self._retry_deliveries,
            IntervalTrigger(seconds=self.app.rules.delivery.retry_every),
            id="deliveries",
        )
        self._scheduler.start()
        self._watch()

    def run_forever(self) -> None:
        """Block until `stop` is set; print a summary line per cycle and reload when asked."""
        self.start()
        self.say("running; Ctrl-C or SIGTERM to stop, SIGHUP to reload the rules")
        last = time.monotonic()
        try:
            while not self.stop.wait(0.5):
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    self.reload()
                if time.monotonic() - last >= self.summary_every:
                    last = time.monotonic()
                    self._summary()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self.stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self._scheduler.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self._summary()

    def reload(self) -> None:
        try:
            self.app.reload()
        except (ConfigError, ValueError) as exc:
            log.error("rules not reloaded, the old rules stay in force:\n%s", exc)
            self.say(
                f"rules NOT reloaded ({self.app.settings.config} is invalid); the old rules stay in force"
            )
            return
        self._watch()
        self.say(
            f"rules reloaded: {len(self.app.rules.sources)} source(s), {len(self.app.rules.claims)} claim(s)"
        )

    # polling

    def _claim(self) -> None:
        """Lease due sources for the free poll threads and start their polls."""
        with self._lock:
            if self._claiming:  # a claim is running: it claims once more when done
                self._claim_again.set()
                return
            self._claiming = True
        try:
            while not self.stop.is_set():
                self._claim_again.clear()
                self._claim_once()
                if not self._claim_again.is_set():
                    break
        finally:
            with self._lock:
                self._claiming = False

    def _claim_once(self) -> None:
        free = self.app.rules.polling.workers - len(self._polling)
        if free < 1:
            return
        try:
            claimed = claim_due(self.app, limit=free)
        except Exception:  # the database may be briefly unreachable: the next tick tries again
            log.exception("looking for due sources failed")
            return
        for lease in claimed:
            with self._lock:
                self._polling.add(lease.name)
            self._pool.submit(self._poll, lease)

    def trigger(self, name: str, delay: float = TRIGGER_DELAY) -> None:
        """Poll `name` soon, even if it is not due (a file arrived); by whichever worker claims first."""
        with unit_of_work(self.app.sessions) as session:
            leases.request_poll(session, name=name)
        job = self._scheduler.get_job("claim")
        if job is not None:
            job.modify(next_run_time=datetime.now().astimezone() + timedelta(seconds=delay))

    def _poll(self, lease: leases.Lease) -> None:
        options = self.app.rules.source(lease.name)
        stats = PassStats()
        try:
            if options is not None:
                stats = poll_leased(
                    self.app, options, lease, report=self.report, should_stop=self.stop.is_set
                )
            else:  # the source left the rules since the claim
                with unit_of_work(self.app.sessions) as session:
                    leases.release_if_held(session, source_id=lease.source_id, owner=self.app.worker)
        except Exception:  # storing the outcome failed (database down): the lease expires, a retry follows
            log.exception("source=%s poll failed", lease.name)
        finally:
            with self._lock:
                self._polling.discard(lease.name)
                self._cycle.add(stats)

    def _retry_deliveries(self) -> None:
        check_silence(self.app)
        stats = self.app.dispatch()
        with self._lock:
            self._cycle.dispatch += stats

    def _summary(self) -> None:
        with self._lock:
            cycle, self._cycle = self._cycle, PassStats()
        if cycle.polled or cycle.dispatch.sent or cycle.dispatch.failed:
            self.say(f"cycle {utcnow():%H:%M:%S}: {cycle.line()}")

    # filesystem events

    def _watch(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        observer = Observer()
        handler = _Events(self)
        for options in self.app.rules.sources:
            if isinstance(options, FolderOptions) and options.path.is_dir():
                observer.schedule(handler, str(options.path), recursive=options.recursive)
        config = self.app.settings.config.resolve()
        if config.parent.is_dir():
            observer.schedule(handler, str(config.parent), recursive=False)
        observer.start()
        self._observer = observer

    def on_path(self, path: Path) -> None:
        if path == self.app.settings.config.resolve():
            self.reload_requested.set()
            return
        for options in self.app.rules.sources:
            if isinstance(options, FolderOptions) and options.wants(path):
                self.trigger(options.name)


class _Events(FileSystemEventHandler):
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write", "deleted"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = raw.decode() if isinstance(raw, bytes) else raw
                self.daemon.on_path(Path(path).resolve())
