"""The composition root: settings -> rules -> database -> stance engine -> analyzer -> targets.

Nothing is built at import time; `build_app` does it once, and each command uses what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.analyze import Analyzer
from monitor.config import Rules, load_rules
from monitor.notify.console import register_console
from monitor.notify.targets import Target, resolve_targets
from monitor.settings import Settings
from monitor.stance import build_engine
from monitor.store.db import make_engine, upgrade


@dataclass
class App:
    settings: Settings
    rules: Rules
    engine: Engine
    sessions: sessionmaker[Session]
    analyzer: Analyzer
    targets: list[Target]


def build_app(settings: Settings, *, migrate: bool = True) -> App:
    """Load and validate the rules (ConfigError), open the database and bring its schema up to date."""
    rules = load_rules(settings.config)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    register_console()
    targets = resolve_targets(rules.routes, settings.notify_urls, settings.apprise_config)
    analyzer = Analyzer(rules, build_engine(rules.stance_kind, rules.stance_options))
    return App(settings, rules, engine, sessionmaker(engine, expire_on_commit=False), analyzer, targets)
