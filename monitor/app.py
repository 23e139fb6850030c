"""The composition root: settings -> rules -> database -> stance engine -> analyzer -> targets.

Nothing is built at import time; `build_app` does it once, and each command uses what it needs (the
stance engine, which may load a model, only when an article is first analyzed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.analysis.analyzer import Analyzer
from monitor.analysis.pool import AnalysisPool, Result, default_workers
from monitor.analysis.stance import ENGINES, build_engine
from monitor.config.rules import Rules, load_rules
from monitor.config.settings import Settings
from monitor.domain import Article
from monitor.ingest.fetch import Fetcher, FetchLimits
from monitor.notify.dispatch import Dispatcher, DispatchStats
from monitor.notify.render import Renderer
from monitor.notify.targets import Routed, resolve_routes
from monitor.store import leases
from monitor.store.db import make_engine, unit_of_work, upgrade
from monitor.tracking import Tracker

log = logging.getLogger(__name__)


class EngineUnavailable(ValueError):
    """The stance engine cannot be built (a model folder that is no model, say): nothing can be
    analysed, so a pass stops with this error instead of failing every article."""


@dataclass
class App:
    settings: Settings
    rules: Rules
    engine: Engine
    sessions: sessionmaker[Session]
    routing: list[Routed]
    fetcher: Fetcher
    worker: str = field(default_factory=leases.worker_id)
    """This process's name in source leases (several `monitor run` may share a PostgreSQL database)."""
    _leases: leases.LeaseKeeper | None = None
    _analyzer: Analyzer | None = None
    _pool: AnalysisPool | None = None
    _tracker: Tracker | None = None
    _renderer: Renderer | None = None
    _reader: Engine | None = None
    _readers: sessionmaker[Session] | None = None

    @property
    def renderer(self) -> Renderer:
        """The alert templates (the package's, or the rules' `alerts.templates` overrides)."""
        if self._renderer is None:
            self._renderer = Renderer(self.rules.templates)
        return self._renderer

    @property
    def tracker(self) -> Tracker:
        """Replays claims' ledgers and writes their alerts (thresholds and aliases from the rules)."""
        if self._tracker is None:
            self._tracker = Tracker.build(self.rules, self.routing)
        return self._tracker

    @property
    def leases(self) -> leases.LeaseKeeper:
        """Renews this worker's source leases while their polls run."""
        if self._leases is None:
            self._leases = leases.LeaseKeeper(self.sessions, self.worker, self.rules.polling.lease)
        return self._leases

    @property
    def analyzer(self) -> Analyzer:
        """Built on first use: the stance engine may load a model (seconds), which commands that only
        read the database (`claims`, `evidence`) never need. Raises ValueError if it cannot be built."""
        if self._analyzer is None:
            self._analyzer = make_analyzer(self.rules)
        return self._analyzer

    @property
    def analysis_workers(self) -> int:
        """Processes that analyse articles (`polling.analysis_workers`, else `default_workers`)."""
        configured = self.rules.polling.analysis_workers
        return configured or default_workers(self.rules.stance_kind, os.cpu_count())

    def analyze_many(self, articles: Sequence[Article]) -> list[Result]:
        """Analyse `articles` on the analysis worker processes (or in this process when there is one
        worker): one Analysis per article, in order, or the exception that its analysis raised. The
        engine is built here first, when the first article needs it (its model loads then): one that
        cannot be built raises EngineUnavailable, which stops the pass, never only its article."""
        if articles:
            try:
                self.analyzer  # noqa: B018  (built on first use)
            except ValueError as exc:
                raise EngineUnavailable(str(exc)) from exc
        if self._pool is None:
            kind = ENGINES.get(self.rules.stance_kind)
            self._pool = AnalysisPool(
                partial(make_analyzer, self.rules),
                self.analysis_workers,
                local=lambda: self.analyzer,
                engine_module=kind.build.__module__ if kind is not None else None,
            )
        return self._pool.analyze_many(articles)

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions for readers that must never write nor wait for a writer (the web API): a second,
        read-only engine on the same database (an in-memory SQLite database has only the one)."""
        if self._readers is None:
            url = self.engine.url
            if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                return self.sessions
            self._reader = make_engine(url.render_as_string(hide_password=False), read_only=True)
            self._readers = sessionmaker(self._reader, expire_on_commit=False)
        return self._readers

    def warm_up(self) -> None:
        """Build the stance engine now: its model loads before the first article, and an engine that
        cannot be built fails at start (ValueError), not in the middle of a pass."""
        self._analyzer = self.analyzer

    def reload(self) -> None:
        """Load the rules file again and swap in what depends on it. Raises ConfigError or ValueError
        and changes nothing when the new file is invalid."""
        rules = load_rules(self.settings.config, allow_empty=self.settings.allow_empty_rules)
        routing = make_routing(rules, self.settings)
        analyzer = make_analyzer(rules)
        old_fetcher, self.fetcher = self.fetcher, make_fetcher(rules)
        self.rules, self.routing, self._analyzer = rules, routing, analyzer
        old_pool, self._pool = self._pool, None  # the next batch starts processes with the new rules
        if old_pool is not None:
            old_pool.close()
        self._tracker = None
        self._renderer = None
        if self._leases is not None:
            self._leases.ttl = rules.polling.lease
        old_fetcher.close()
        self.sync_rules()

    def sync_rules(self) -> None:
        """Make the database's claims and sources match the rules (new claims, edited claim sentences,
        new sources, sources pointed at a new URL)."""
        from monitor.store import repository

        with unit_of_work(self.sessions) as session:
            repository.sync_claims(session, claims=[c.spec() for c in self.rules.claims])
            leases.sync_sources(session, sources=self.rules.sources)

    def own_all_leases(self) -> None:
        """Release every source lease, for the only worker there can be: `monitor run` on SQLite once it
        holds the single-writer lock (a run killed within its lease left them behind)."""
        with unit_of_work(self.sessions) as session:
            released = leases.release_all(session)
        for name, owner in released:
            log.warning("source=%s lease of worker %s released: that process is gone", name, owner)

    def dispatch(self, *, retry: bool = True) -> DispatchStats:
        """Send what is due in the outbox (see monitor.notify.dispatch)."""
        dispatcher = Dispatcher(self.sessions, self.routing, self.rules.delivery, self.renderer)
        return dispatcher.run(retry=retry)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._leases is not None:
            self._leases.close()
        self.fetcher.close()
        self.engine.dispose()
        if self._reader is not None:
            self._reader.dispose()


def make_analyzer(rules: Rules) -> Analyzer:
    """The analyzer with the rules' stance engine (paths in its options are relative to the rules file)."""
    engine = build_engine(rules.stance_kind, rules.stance_options, rules.path.parent)
    return Analyzer(rules.topics, rules.claims, engine)


def make_routing(rules: Rules, settings: Settings) -> list[Routed]:
    return resolve_routes(rules.routes, rules.channels, settings.notify_urls, settings.apprise_config)


def make_fetcher(rules: Rules) -> Fetcher:
    polling = rules.polling
    return Fetcher(
        FetchLimits(timeout=polling.timeout, max_bytes=polling.max_bytes, per_host=polling.per_host)
    )


def build_app(settings: Settings, *, migrate: bool = True) -> App:
    """Load and validate the rules (ConfigError), open the database and bring its schema up to date."""
    rules = load_rules(settings.config, allow_empty=settings.allow_empty_rules)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    routing = make_routing(rules, settings)
    sessions = sessionmaker(engine, expire_on_commit=False)
    app = App(settings, rules, engine, sessions, routing, make_fetcher(rules))
    if migrate:
        app.sync_rules()
    return app
