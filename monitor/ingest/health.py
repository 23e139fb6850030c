"""When to poll a source next, and when its health is worth an alert. Pure functions.

- After a success: the source's interval plus a random jitter, so sources spread out.
- After a failure: exponential backoff, interval x 2^(failures-1), capped at `max_backoff`, and never
  sooner than a publisher's Retry-After.
- A source-health alert goes out once when consecutive failures reach the threshold, and one recovery
  notice when the source works again after that; nothing in between (no floods).
"""

from __future__ import annotations

import enum
import random
from datetime import datetime, timedelta


class HealthEvent(enum.StrEnum):
    DOWN = "down"
    RECOVERED = "recovered"


def next_after_success(
    now: datetime, interval: float, jitter: float, rng: random.Random | None = None
) -> datetime:
    spread = (rng or random).uniform(0, jitter) if jitter > 0 else 0.0
    return now + timedelta(seconds=interval + spread)


def backoff_seconds(
    failures: int, interval: float, max_backoff: float, retry_after: float | None = None
) -> float:
    """Seconds to wait after `failures` consecutive failures (failures >= 1)."""
    delay: float = min(interval * 2.0 ** max(failures - 1, 0), max_backoff)
    return max(delay, retry_after or 0.0)


def health_event(*, ok: bool, failures: int, threshold: int, alerted: bool) -> HealthEvent | None:
    """`failures` counts consecutive failures including this poll; `alerted` says a DOWN alert is out."""
    if ok:
        return HealthEvent.RECOVERED if alerted else None
    if not alerted and failures >= threshold:
        return HealthEvent.DOWN
    return None
