"""Delivery targets and routing: which Apprise URL gets which alert, when, and with what.

Each Apprise URL of each channel is one target, so one failing service never makes another receive an
alert twice. The idempotency key of a delivery is (alert, target): two routes that send the same event
to the same channel make one delivery. A target's key holds a hash of the URL, never the URL (it may
hold a token).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.domain import EventKind, Planned
from monitor.ledger.alerts import AlertDraft
from monitor.notify.render import kind_for_url
from monitor.notify.rules import Channel, Route, url_problem

ENV_ROUTE = "env"
"""The route and channel for MONITOR_NOTIFY_URLS: it receives every event at once."""


@dataclass(frozen=True, slots=True)
class Target:
    channel: str
    url: str
    kind: str
    """Template family: slack, email or text."""
    rate: tuple[int, float] | None = None

    @property
    def key(self) -> str:
        return f"{self.channel}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"

    @property
    def label(self) -> str:
        """How logs and the CLI name the target: its key (channel name and a hash of the URL) and the
        Apprise service, never the URL. Apprise's privacy form (`url(privacy=True)`) hides passwords and
        Slack-style tokens but keeps a webhook's path, which may be its secret."""
        from apprise import Apprise

        from monitor.notify.console import register_console

        register_console()
        instance = Apprise.instantiate(self.url, suppress_exceptions=True)
        service = getattr(instance, "service_name", None) if instance else None
        return f"{self.key} ({service or self.url.split('://', 1)[0]})"


@dataclass(frozen=True, slots=True)
class Routed:
    """A route with the targets of its channels."""

    route: Route
    targets: tuple[Target, ...]


def resolve_routes(
    routes: Sequence[Route],
    channels: Sequence[Channel],
    extra_urls: Sequence[str],
    apprise_config: Path | None,
) -> list[Routed]:
    """Expand each route's channels (named, or its own `urls`/`tags`) into targets, plus a catch-all
    route for MONITOR_NOTIFY_URLS. Raises ValueError for a tag no URL carries, or for a MONITOR_NOTIFY_URLS
    URL that Apprise cannot read (the rules' own URLs are checked when they are loaded)."""
    for i, url in enumerate(extra_urls):
        if (problem := url_problem(url)) is not None:
            raise ValueError(f"MONITOR_NOTIFY_URLS, URL {i + 1}: {problem}")
    tagged = (
        _tagged_urls(apprise_config) if any(r.tags for r in routes) or any(c.tags for c in channels) else {}
    )
    by_name = {c.name: c for c in channels}
    routed = []
    for route in routes:
        own = Channel(name=route.name, urls=route.urls, tags=route.tags)
        used = [by_name[n] for n in route.channels] + ([own] if route.urls or route.tags else [])
        targets: list[Target] = []
        for channel in used:
            urls = list(channel.urls)
            for tag in channel.tags:
                if tag not in tagged:
                    where = apprise_config or "MONITOR_APPRISE_CONFIG (not set)"
                    raise ValueError(f"channel {channel.name!r}: no URL tagged {tag!r} in {where}")
                urls += tagged[tag]
            for url in dict.fromkeys(urls):
                kind = kind_for_url(url) if channel.kind == "auto" else channel.kind
                targets.append(Target(channel.name, url, kind, channel.rate()))
        routed.append(Routed(route, tuple(targets)))
    if extra_urls:
        catch_all = Route(name=ENV_ROUTE, events=list(EventKind))
        unique = dict.fromkeys(extra_urls)
        routed.append(Routed(catch_all, tuple(Target(ENV_ROUTE, u, kind_for_url(u)) for u in unique)))
    return routed


def all_targets(routing: Sequence[Routed]) -> dict[str, Target]:
    return {t.key: t for r in routing for t in r.targets}


def plan(
    routing: Sequence[Routed],
    *,
    event: EventKind,
    claim_id: str | None,
    confidence: float,
    topics: frozenset[str],
    now: datetime,
) -> list[Planned]:
    """The deliveries an alert gets: one per target of every route that wants it (the first route to
    name a target decides its pacing)."""
    planned: dict[str, Planned] = {}
    for routed in routing:
        if not routed.route.wants(event, claim_id, confidence, topics):
            continue
        due, group = routed.route.schedule(now, claim_id)
        for target in routed.targets:
            planned.setdefault(target.key, Planned(target.key, due, group))
    return list(planned.values())


def plan_alert(
    routing: Sequence[Routed], draft: AlertDraft, topics: frozenset[str], now: datetime
) -> list[Planned]:
    return plan(
        routing,
        event=draft.event,
        claim_id=draft.claim_id,
        confidence=draft.confidence,
        topics=topics,
        now=now,
    )


def _tagged_urls(path: Path | None) -> dict[str, list[str]]:
    if path is None:
        return {}
    from apprise import AppriseAsset, AppriseConfig

    config = AppriseConfig(asset=AppriseAsset())
    if not config.add(str(path)):
        raise ValueError(f"cannot read the Apprise config {path}")
    found: dict[str, list[str]] = {}
    for server in config.services():
        for tag in server.tags:
            found.setdefault(tag, []).append(str(server.url()))  # type: ignore[no-untyped-call]
    return found
