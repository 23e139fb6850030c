"""`create_app`: the web application over a built `monitor.app.App` (what `monitor serve` runs)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from monitor import __version__
from monitor.app import App
from monitor.web import api, ops
from monitor.web.guard import AccessLog, HideSecrets, RequireToken, check_bind, known_secrets
from monitor.web.pages import pages_router

DESCRIPTION = """Read-only API of the claim monitor: claims, their timelines and evidence, articles,
sources' health and the alert outbox. Bound to a non-loopback address, every request but /healthz
needs the token: `Authorization: Bearer <token>` or `?token=<token>`."""


def create_app(
    app: App,
    *,
    bind_host: str,
    token: str | None,
    scheduler_running: Callable[[], bool] | None = None,
) -> FastAPI:
    """The API (/api, docs at /docs, schema at /openapi.json) and /healthz, /readyz, /metrics.

    Raises ValueError when `bind_host` is not a loopback address and there is no `token`, or when the
    token is too short. With a token, it is required on every request but /healthz, wherever bound.
    `scheduler_running` (a daemon in this process) is part of readiness."""
    token = check_bind(bind_host, token)
    # The docs page's scripts are served from the fastapi-offline package, never from a CDN.
    web = FastAPIOffline(
        title="claim-monitor",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs/static",
    )
    web.state.monitor = app
    web.include_router(api.router)
    web.include_router(ops.router(app, scheduler_running))
    web.include_router(pages_router())  # the HTML pages (claims, a claim's timeline, sources, alerts)
    # Added innermost first: a request meets the access log, then the secret filter, then the token.
    if token is not None:
        web.add_middleware(RequireToken, token=token)
    web.add_middleware(HideSecrets, secrets=_secrets(app, token))
    web.add_middleware(AccessLog)
    return web


def _secrets(app: App, token: str | None) -> Callable[[], list[bytes]]:
    """The secrets to filter out, worked out again when the rules are reloaded."""
    held: list[tuple[object, list[bytes]]] = []

    def current() -> list[bytes]:
        if not held or held[0][0] is not app.rules:
            held[:] = [(app.rules, known_secrets(app, token))]
        return held[0][1]

    return current
