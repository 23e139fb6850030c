"""Operations: /healthz (liveness), /readyz (readiness) and /metrics (Prometheus).

Metrics are read from the database at scrape time, so they are right whichever process polled,
stored or sent (`monitor run` and `monitor serve` are usually two processes). Names:

- `monitor_database_up`: 1 when this scrape's queries succeeded (then the others follow), else 0.
- `monitor_articles_total`: articles stored (copies and unchanged items are not articles).
- `monitor_evidence_sentences{stance}`: evidence sentences stored, by stance (an edited article's are
  replaced, so this is a gauge).
- `monitor_alerts_total{event}`: alerts written to the outbox, by event.
- `monitor_deliveries{state}`: deliveries by state (pending, sending, sent, retry, failed, unknown).
- `monitor_claim_status{claim, status}`: 1 for the claim's current status, 0 for the others.
- `monitor_source_consecutive_failures{source}`, `monitor_source_last_success_timestamp_seconds{source}`,
  `monitor_source_last_poll_duration_seconds{source}` (the fetch and the handling of its items).
- `process_*`: this server process's CPU, memory and open files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from monitor.domain import ClaimStatus
from monitor.store import repository as repo
from monitor.web.schemas import Health, Readiness

if TYPE_CHECKING:
    from monitor.app import App

log = logging.getLogger(__name__)

DELIVERY_STATES = ("pending", "sending", "sent", "retry", "failed", "unknown")
EVIDENCE_STANCES = ("confirm", "contradict", "discuss")


def router(app: App, scheduler_running: Callable[[], bool] | None) -> APIRouter:
    """The ops routes. `scheduler_running`, when given (a daemon runs in this process), makes
    readiness also require it to return True."""
    ops = APIRouter(tags=["operations"])
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(app))
    ProcessCollector(registry=registry)

    @ops.get("/healthz", response_model=Health)
    def healthz() -> Health:
        """Liveness: 200 while the process serves (no token needed)."""
        return Health()

    @ops.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    def readyz() -> JSONResponse:
        """Readiness: 200 when the database answers and the scheduler (if one is attached) runs."""
        checks = {"database": database_check(app)}
        if scheduler_running is not None:
            checks["scheduler"] = "ok" if _safe(scheduler_running) else "not running"
        ready = all(v == "ok" for v in checks.values())
        body = Readiness(status="ready" if ready else "not ready", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @ops.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
    def metrics() -> Response:
        """Prometheus metrics, read from the database at scrape time."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return ops


def database_check(app: App) -> str:
    try:
        with app.read_sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readiness: the database does not answer: %s", type(exc).__name__)
        return f"error: {type(exc).__name__}"
    return "ok"


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a broken check means not ready, not a crashed probe
        log.exception("readiness: the scheduler check raised")
        return False


class DatabaseCollector(Collector):
    """Reads the counts at each scrape (see the module docstring for the names)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("monitor_database_up", "1 when the database answered this scrape's queries.")
        try:
            with self.app.read_sessions() as session:
                totals = repo.totals(session)
                sources = repo.sources_overview(session)
        except SQLAlchemyError as exc:
            log.warning("metrics: the database does not answer: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        articles = CounterMetricFamily("monitor_articles", "Articles stored.")
        articles.add_metric([], totals.articles)
        yield articles
        yield _by(
            GaugeMetricFamily(
                "monitor_evidence_sentences", "Evidence sentences, by stance.", labels=["stance"]
            ),
            totals.evidence,
            EVIDENCE_STANCES,
        )
        yield _by(
            CounterMetricFamily(
                "monitor_alerts", "Alerts written to the outbox, by event.", labels=["event"]
            ),
            totals.alerts,
            (),
        )
        yield _by(
            GaugeMetricFamily("monitor_deliveries", "Alert deliveries, by state.", labels=["state"]),
            totals.deliveries,
            DELIVERY_STATES,
        )
        status = GaugeMetricFamily(
            "monitor_claim_status", "1 for the claim's current status.", labels=["claim", "status"]
        )
        for claim_id, current in sorted(totals.claims.items()):
            for value in ClaimStatus:
                status.add_metric([claim_id, value.value], 1.0 if value.value == current else 0.0)
        yield status
        failures = GaugeMetricFamily(
            "monitor_source_consecutive_failures", "Polls failed in a row.", labels=["source"]
        )
        success = GaugeMetricFamily(
            "monitor_source_last_success_timestamp_seconds",
            "When the source was last polled successfully (Unix time).",
            labels=["source"],
        )
        duration = GaugeMetricFamily(
            "monitor_source_last_poll_duration_seconds",
            "How long the source's last poll took (fetch and handling of its items).",
            labels=["source"],
        )
        for row in sources:
            failures.add_metric([row.name], row.consecutive_failures)
            if row.last_success_at is not None:
                success.add_metric([row.name], row.last_success_at.timestamp())
            if row.last_poll_seconds is not None:
                duration.add_metric([row.name], row.last_poll_seconds)
        yield failures
        yield success
        yield duration


def _by(
    family: GaugeMetricFamily | CounterMetricFamily, counts: dict[str, int], always: tuple[str, ...]
) -> Metric:
    for key in sorted(set(always) | set(counts)):
        family.add_metric([key], counts.get(key, 0))
    return family
