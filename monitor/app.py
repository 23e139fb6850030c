"""The composition root: settings -> rules -> database -> stance engine -> analyzer -> targets.

Nothing is built at import time; `build_app` does it once, and each command uses what it needs (the
stance engine, which may load a model, only when an article is first analyzed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.analyze import Analyzer
from monitor.config import Rules, load_rules
from monitor.fetch import Fetcher, FetchLimits
from monitor.notify.console import register_console
from monitor.notify.targets import Target, resolve_targets
from monitor.settings import Settings
from monitor.stance import build_engine
from monitor.store.db import make_engine, upgrade
from monitor.tracking import Tracker


@dataclass
class App:
    settings: Settings
    rules: Rules
    engine: Engine
    sessions: sessionmaker[Session]
    targets: list[Target]
    fetcher: Fetcher
    _analyzer: Analyzer | None = None
    _tracker: Tracker | None = None

    @property
    def tracker(self) -> Tracker:
        """Replays claims' ledgers and writes their alerts (thresholds and aliases from the rules)."""
        if self._tracker is None:
            self._tracker = Tracker.build(self.rules, self.targets)
        return self._tracker

    @property
    def analyzer(self) -> Analyzer:
        """Built on first use: the stance engine may load a model (seconds), which commands that only
        read the database (`claims`, `evidence`) never need. Raises ValueError if it cannot be built."""
        if self._analyzer is None:
            self._analyzer = make_analyzer(self.rules)
        return self._analyzer

    def warm_up(self) -> None:
        """Build the stance engine now: its model loads before the first article, and an engine that
        cannot be built fails at start (ValueError), not in the middle of a pass."""
        self._analyzer = self.analyzer

    def reload(self) -> None:
        """Load the rules file again and swap in what depends on it. Raises ConfigError or ValueError
        and changes nothing when the new file is invalid."""
        rules = load_rules(self.settings.config)
        targets = resolve_targets(rules.routes, self.settings.notify_urls, self.settings.apprise_config)
        analyzer = make_analyzer(rules)
        old_fetcher, self.fetcher = self.fetcher, make_fetcher(rules)
        self.rules, self.targets, self._analyzer = rules, targets, analyzer
        self._tracker = None
        old_fetcher.close()
        self.sync_claims()

    def sync_claims(self) -> None:
        """Make the database's claims match the rules (new claims, edited claim sentences)."""
        from monitor.store import repository
        from monitor.store.db import unit_of_work

        with unit_of_work(self.sessions) as session:
            repository.sync_claims(session, claims=self.rules.claims)

    def close(self) -> None:
        self.fetcher.close()
        self.engine.dispose()


def make_analyzer(rules: Rules) -> Analyzer:
    """The analyzer with the rules' stance engine (paths in its options are relative to the rules file)."""
    return Analyzer(rules, build_engine(rules.stance_kind, rules.stance_options, rules.path.parent))


def make_fetcher(rules: Rules) -> Fetcher:
    polling = rules.polling
    return Fetcher(
        FetchLimits(timeout=polling.timeout, max_bytes=polling.max_bytes, per_host=polling.per_host)
    )


def build_app(settings: Settings, *, migrate: bool = True) -> App:
    """Load and validate the rules (ConfigError), open the database and bring its schema up to date."""
    rules = load_rules(settings.config)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    register_console()
    targets = resolve_targets(rules.routes, settings.notify_urls, settings.apprise_config)
    sessions = sessionmaker(engine, expire_on_commit=False)
    app = App(settings, rules, engine, sessions, targets, make_fetcher(rules))
    if migrate:
        app.sync_claims()
    return app
