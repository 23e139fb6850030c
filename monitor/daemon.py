"""`monitor run`: every source on APScheduler, folders watched for instant pickup, rules reloaded live.

- Each source is a job with its own interval and jitter; `coalesce` folds missed runs into one,
  `max_instances=1` keeps one poll of a source at a time, and a misfire grace lets a late run still go.
  Backoff and Retry-After are kept in the database (`next_check_at`): a job that is not due yet skips.
- Folders are watched with filesystem events (watchdog): a new or changed file triggers its folder's
  poll within a fraction of a second; the job's interval is the periodic rescan that catches anything
  an event missed. A file that arrives while its folder is being polled triggers one more poll.
- SIGHUP, or a change to the rules file, reloads the rules; an invalid new file is reported and the
  old rules stay in force.
- SIGTERM/SIGINT: polls stop after their current item (each item is one transaction; a feed whose
  items were not all handled keeps its old validators, so its next poll sees them again), then the
  scheduler shuts down. A second signal aborts at once.
- One summary line per cycle: every `summary_every` seconds, the counts of the polls since the last.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from monitor.app import App
from monitor.config import ConfigError
from monitor.pipeline import PassStats, Reporter, check_silence, poll_source
from monitor.sources.folder import FolderOptions
from monitor.store.models import utcnow

log = logging.getLogger(__name__)
TRIGGER_DELAY = 0.2
"""Seconds a filesystem event waits before the poll, so that a file being written can finish."""
RETRY_EVERY = 60.0
"""Seconds between retries of failed deliveries."""


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
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._forced: set[str] = set()
        self._cycle = PassStats()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(app.rules.polling.workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone="UTC",
        )
        self._observer: Any = None

    @property
    def running(self) -> bool:
        """The scheduler is up and no stop was asked for (the dashboard's /readyz uses it)."""
        return bool(self._scheduler.running) and not self.stop.is_set()

    # lifecycle

    def start(self) -> None:
        self._schedule_sources()
        self._scheduler.add_job(self._retry_deliveries, IntervalTrigger(seconds=RETRY_EVERY), id="deliveries")
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
        self._schedule_sources()
        self._watch()
        self.say(
            f"rules reloaded: {len(self.app.rules.sources)} source(s), {len(self.app.rules.claims)} claim(s)"
        )

    # scheduling

    def _schedule_sources(self) -> None:
        for job in self._scheduler.get_jobs():
            if job.id.startswith("source:"):
                job.remove()
        now = datetime.now().astimezone()
        for options in self.app.rules.sources:
            self._scheduler.add_job(
                self._poll,
                IntervalTrigger(seconds=options.interval, jitter=int(options.jitter_seconds) or None),
                args=[options.name],
                id=f"source:{options.name}",
                next_run_time=now,
                replace_existing=True,
            )

    def trigger(self, name: str, delay: float = TRIGGER_DELAY) -> None:
        """Poll `name` soon, even if it is not due (a file arrived)."""
        with self._lock:
            self._forced.add(name)
            if name in self._running:
                self._again.add(name)
                return
        job = self._scheduler.get_job(f"source:{name}")
        if job is not None:
            job.modify(next_run_time=datetime.now().astimezone() + timedelta(seconds=delay))

    def _poll(self, name: str) -> None:
        options = self.app.rules.source(name)
        if options is None or self.stop.is_set():
            return
        with self._lock:
            self._running.add(name)
            forced = name in self._forced
            self._forced.discard(name)
        try:
            stats = poll_source(
                self.app, options, report=self.report, should_stop=self.stop.is_set, only_due=not forced
            )
        finally:
            with self._lock:
                self._running.discard(name)
                again = name in self._again
                self._again.discard(name)
        with self._lock:
            self._cycle.add(stats)
        if again and not self.stop.is_set():
            self.trigger(name, delay=0)

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
