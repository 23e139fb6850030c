"""Backoff and source-health alerts: once down, once recovered, nothing in between."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from monitor.ingest.health import HealthEvent, backoff_seconds, health_event, next_after_success

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    assert [backoff_seconds(n, 60, 3600) for n in (1, 2, 3, 4, 7, 20)] == [60, 120, 240, 480, 3600, 3600]
    assert backoff_seconds(1, 60, 3600, retry_after=900) == 900
    assert backoff_seconds(5, 60, 3600, retry_after=10) == 960


def test_jitter_spreads_the_next_poll_within_bounds() -> None:
    rng = random.Random(7)
    times = {next_after_success(NOW, 600, 60, rng) for _ in range(50)}
    assert len(times) > 40
    assert all(NOW + timedelta(seconds=600) <= t <= NOW + timedelta(seconds=660) for t in times)
    assert next_after_success(NOW, 600, 0) == NOW + timedelta(seconds=600)


def test_health_alerts_fire_once_down_and_once_recovered() -> None:
    alerted = False
    events = []
    outcomes = [False] * 8 + [True, True, False, True]
    failures = 0
    for ok in outcomes:
        failures = 0 if ok else failures + 1
        event = health_event(ok=ok, failures=failures, threshold=3, alerted=alerted)
        events.append(event)
        if event is HealthEvent.DOWN:
            alerted = True
        elif event is HealthEvent.RECOVERED:
            alerted = False
    assert events.count(HealthEvent.DOWN) == 1 and events.count(HealthEvent.RECOVERED) == 1
    assert events.index(HealthEvent.DOWN) == 2 and events.index(HealthEvent.RECOVERED) == 8
