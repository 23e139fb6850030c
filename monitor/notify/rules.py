"""The `alerts:` section of the rules file: channels, routes and delivery settings, validated strictly.

- A **channel** is where messages go: Apprise URLs and/or tags of URLs in MONITOR_APPRISE_CONFIG,
  with a template `kind` (slack, email, text; `auto` guesses from the URL) and an optional
  `rate_limit` ("20/h": more messages than that in the period are held and sent as one digest when
  the period allows).
- A **route** picks events (by type, claim, topic, minimum confidence) and sends them to channels (by
  name, or its own `urls`/`tags`), at once or paced: `digest` (every N minutes, or daily at a time
  in a time zone), `debounce` (alerts on one claim within that time go out as one message), and
  `quiet_hours` (nothing is sent then; what falls due waits for the end).
- **delivery** says what a crash may cost: `at_least_once` (the default: a send interrupted by a crash
  is sent again after the lease expires, so nothing is lost; a service may see it twice) or
  `at_most_once` (it is marked `unknown` and never resent); retries back off exponentially.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.config.durations import parse_duration
from monitor.domain import EventKind
from monitor.notify.render import Renderer


def url_problem(url: str) -> str | None:
    """None when Apprise's own parser reads `url` as a notification target; else why not, without the
    URL itself (it may hold a token). `console://` counts (it is registered first)."""
    import logging

    from apprise import Apprise
    from apprise.manager_plugins import NotificationManager

    from monitor.notify.console import register_console

    register_console()
    scheme, separator, _ = url.partition("://")
    if not separator or not scheme:
        return "not an Apprise URL (scheme://...)"
    if scheme.lower() not in NotificationManager():  # type: ignore[no-untyped-call]
        return f"unknown Apprise scheme '{scheme}://' (see https://github.com/caronc/apprise/wiki)"
    apprise_log = logging.getLogger("apprise")
    level = apprise_log.level
    apprise_log.setLevel(logging.CRITICAL)  # Apprise logs a URL it cannot load, token and all
    try:
        instance = Apprise.instantiate(url)
    finally:
        apprise_log.setLevel(level)
    if instance is None:
        return f"Apprise cannot read this {scheme}:// URL (a token or host missing or malformed)"
    return None


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*\s*[smhd]?)\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: str) -> time:
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"expected a time of day such as 08:00, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from exc
    return value


def _valid_clock(value: str) -> str:
    _clock(value)
    return value


Clock = Annotated[str, AfterValidator(_valid_clock)]
"""A time of day, "HH:MM"."""
TimeZone = Annotated[str, AfterValidator(_zone)]
"""An IANA time zone name."""


class Digest(_Strict):
    """Collect a route's alerts and send them as one message: `every: 15m`, or `daily: "08:00"`."""

    every: float | None = None
    daily: Clock | None = None
    timezone: TimeZone = "UTC"

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _one(self) -> Digest:
        if (self.every is None) == (self.daily is None):
            raise ValueError("a digest needs exactly one of `every` or `daily`")
        if self.every is not None and self.every <= 0:
            raise ValueError("`every` must be positive")
        return self

    def next_send(self, now: datetime) -> datetime:
        """The end of the digest window that `now` falls in (UTC in, UTC out)."""
        if self.every is not None:
            step = self.every
            return datetime.fromtimestamp((now.timestamp() // step + 1) * step, tz=now.tzinfo)
        assert self.daily is not None
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        at = datetime.combine(local.date(), _clock(self.daily), tzinfo=zone)
        if at <= local:
            at = datetime.combine(local.date() + timedelta(days=1), _clock(self.daily), tzinfo=zone)
        return at.astimezone(now.tzinfo)


class QuietHours(_Strict):
    """Nothing is sent between `start` and `end` (local time in `timezone`; may span midnight)."""

    start: Clock
    end: Clock
    timezone: TimeZone = "UTC"

    def release(self, when: datetime) -> datetime:
        """`when`, or the end of the quiet hours it falls in."""
        zone = ZoneInfo(self.timezone)
        local = when.astimezone(zone)
        start, end = _clock(self.start), _clock(self.end)
        now = local.time()
        quiet = start <= now < end if start <= end else (now >= start or now < end)
        if not quiet:
            return when
        day = local.date() if (start <= end or now < end) else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=zone).astimezone(when.tzinfo)


class Channel(_Strict):
    name: str = Field(min_length=1)
    urls: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    kind: Literal["auto", "slack", "email", "text"] = "auto"
    rate_limit: str | None = None

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_rate(value)
        return value

    def rate(self) -> tuple[int, float] | None:
        """(messages, period in seconds), or None for no limit."""
        return None if self.rate_limit is None else _parse_rate(self.rate_limit)


def _parse_rate(value: str) -> tuple[int, float]:
    match = _RATE.match(value)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"expected messages per period such as 20/h or 5/10m, got {value!r}")
    period = match.group(2).strip() or "s"
    if period in {"s", "m", "h", "d"}:
        period = "1" + period
    return int(match.group(1)), parse_duration(period)


class Route(_Strict):
    """Which events go where, and how paced."""

    name: str = Field(min_length=1)
    channels: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    events: list[EventKind] = Field(default_factory=lambda: list(EventKind))
    claims: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    digest: Digest | None = None
    debounce: float | None = None
    quiet_hours: QuietHours | None = None

    @field_validator("debounce", mode="before")
    @classmethod
    def _debounce(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    def wants(
        self, event: EventKind, claim_id: str | None, confidence: float, topics: frozenset[str] = frozenset()
    ) -> bool:
        """Source-health events (no claim) ignore the claim and topic filters."""
        return (
            event in self.events
            and (not self.claims or claim_id is None or claim_id in self.claims)
            and (not self.topics or claim_id is None or bool(topics & set(self.topics)))
            and confidence >= self.min_confidence
        )

    def schedule(self, now: datetime, claim_id: str | None) -> tuple[datetime, str | None]:
        """When a new alert on this route is due, and the group it is sent with (None: on its own)."""
        due, group = now, None
        if self.digest is not None:
            due, group = self.digest.next_send(now), f"digest:{self.name}"
        elif self.debounce is not None:
            due, group = now + timedelta(seconds=self.debounce), f"debounce:{self.name}:{claim_id or '-'}"
        if self.quiet_hours is not None:
            due = self.quiet_hours.release(due)
        return due, group


class Delivery(_Strict):
    guarantee: Literal["at_least_once", "at_most_once"] = "at_least_once"
    attempts: int = Field(default=8, ge=1, le=100)
    backoff: float = 30.0
    max_backoff: float = 3600.0
    lease: float = 120.0
    retry_every: float = Field(default=60.0, gt=0)
    """How often `monitor run` sends the retries that are due and takes back the deliveries a stopped
    worker left half-sent (after their `lease`)."""

    @field_validator("backoff", "max_backoff", "lease", "retry_every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    def retry_delay(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: backoff doubling per attempt, capped."""
        return float(min(self.backoff * 2 ** max(attempts - 1, 0), self.max_backoff))


class Alerts(_Strict):
    channels: list[Channel] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    delivery: Delivery = Field(default_factory=Delivery)
    templates: Path | None = None
    """A folder of template overrides (relative to the rules file: the `base_dir` in the validation
    context). Every template is compiled when the rules are read, so a broken override is a rules error
    naming its file and line, not a failure at the first alert."""

    @field_validator("templates", mode="before")
    @classmethod
    def _templates(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        folder = Path((info.context or {}).get("base_dir", ".")) / str(value)
        if not folder.is_dir():
            raise ValueError(f"no folder {folder}")
        Renderer(folder)  # raises TemplateError (a ValueError) naming the template's file and line
        return folder
