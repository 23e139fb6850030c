"""Delivery targets: each Apprise URL of each route is one target, so one failing service never makes
another receive an alert twice. A target's key holds a hash of the URL, never the URL (it may hold a
token)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Route
from monitor.domain import EventKind

ENV_ROUTE = "env"
"""The route name for MONITOR_NOTIFY_URLS: it receives every event."""


@dataclass(frozen=True, slots=True)
class Target:
    route: Route
    url: str

    @property
    def key(self) -> str:
        return f"{self.route.name}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"

    @property
    def masked(self) -> str:
        """The URL with credentials hidden, for logs and the CLI."""
        from apprise import Apprise

        instance = Apprise.instantiate(self.url)
        if not instance:
            return self.url.split("://", 1)[0] + "://***"
        return str(instance.url(privacy=True))  # type: ignore[no-untyped-call]


def resolve_targets(
    routes: Sequence[Route], extra_urls: Sequence[str], apprise_config: Path | None
) -> list[Target]:
    """Expand routes into targets: their URLs, the URLs of their tags in the Apprise config file, and a
    catch-all route for MONITOR_NOTIFY_URLS. Raises ValueError for a tag no URL carries."""
    targets: list[Target] = []
    tagged = _tagged_urls(apprise_config) if any(r.tags for r in routes) else {}
    for route in routes:
        urls = list(route.urls)
        for tag in route.tags:
            if tag not in tagged:
                where = apprise_config or "MONITOR_APPRISE_CONFIG (not set)"
                raise ValueError(f"route {route.name!r}: no URL tagged {tag!r} in {where}")
            urls += tagged[tag]
        targets += [Target(route, url) for url in dict.fromkeys(urls)]
    if extra_urls:
        catch_all = Route(name=ENV_ROUTE, urls=list(extra_urls), events=list(EventKind))
        targets += [Target(catch_all, url) for url in dict.fromkeys(extra_urls)]
    return targets


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
