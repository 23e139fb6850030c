"""Durations in the rules file: seconds as a number, or a string such as "30s", "15m", "2h", "1d".

A leaf: imports nothing of the monitor, so every stage's options may use it.
"""

from __future__ import annotations

import math
import re
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


MAX_DURATION = 3650 * 86400.0
"""Ten years: longer durations (and .inf, .nan) would overflow the scheduler's date arithmetic."""


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as "90", "30s", "15m", "2h", "1d", at most ten years;
    raises ValueError."""
    seconds = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value if math.isnan(value) or abs(value) <= MAX_DURATION else math.inf  # 10**400
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT[match.group(2)]
    if seconds is None or math.isnan(seconds):
        raise ValueError("expected seconds or a duration such as 30s, 15m, 2h, 1d")
    if abs(seconds) > MAX_DURATION:
        raise ValueError("must be at most ten years (3650d)")
    return float(seconds)
