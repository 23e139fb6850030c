"""What every source kind provides: a poll that lists items, each readable into documents.

A poll gets the source's stored state (current URL, HTTP validators) and returns the new state with
the items; the pipeline stores the items first and the state last, so a crash in between only means
the next poll sees the same items again, and they are then unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.config.durations import parse_duration
from monitor.domain import RawDocument

if TYPE_CHECKING:
    from monitor.ingest.fetch import Fetcher


class UnreadableItem(Exception):
    """An item that cannot be read as an article; the message is the reason, for logs and counts."""


class SourceError(Exception):
    """The whole source failed this time (HTTP error, missing folder); `retry_after` in seconds if the
    publisher asked for a pause."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


MAX_KEY_LENGTH = 1000
"""The longest item key the store keeps (`source_items.key`, `articles.source_key`)."""


def item_key(key: str, *, reserve: int = 0) -> str:
    """`key` as an item key any database stores and any log line shows on one line: control characters
    (NUL, a newline, ESC) are written as `\\xNN` and lone surrogates (JSON allows them) as `\\udNNN`;
    a key longer than MAX_KEY_LENGTH - `reserve` characters becomes its start and a hash of all of it,
    still stable, unique and readable (a hostile feed's megabyte GUID, a deeply nested path)."""
    text = "".join(_escaped(c) for c in key)
    limit = MAX_KEY_LENGTH - reserve
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"{text[: limit - len(digest) - 3]}...{digest}"


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if 0xD800 <= code < 0xE000 else char


MAX_TITLE_LENGTH = 2000
MAX_URL_LENGTH = 1000
"""Also the longest URL identity the store indexes (`articles.url_key`)."""
MAX_NAME_LENGTH = 300
"""The longest author or outlet name the store keeps."""


def checked(document: RawDocument) -> RawDocument:
    """`document` if its fields fit the store; raises UnreadableItem naming the field otherwise (a
    hostile feed's megabyte title). What no database can store as text is dropped from the fields:
    NUL characters (PostgreSQL refuses them) and lone surrogates (not UTF-8) become nothing and U+FFFD."""
    for name, value, limit in (
        ("title", document.title, MAX_TITLE_LENGTH),
        ("link", document.url, MAX_URL_LENGTH),
        ("author", document.author, MAX_NAME_LENGTH),
        ("outlet", document.outlet, MAX_NAME_LENGTH),
    ):
        if value is not None and len(value) > limit:
            raise UnreadableItem(f"{name} longer than {limit} characters ({len(value)})")
    return replace(
        document,
        title=_storable(document.title),
        text=_storable(document.text),
        url=_storable(document.url),
        author=_storable(document.author),
        outlet=_storable(document.outlet),
    )


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str | None) -> Any:
    if value is None:
        return None
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\0" else "\ufffd", value)


@dataclass(frozen=True, slots=True)
class Item:
    """One item a source offers. `read()` returns its documents or raises UnreadableItem."""

    key: str
    content_hash: str
    read: Callable[[], list[RawDocument]]


@dataclass(frozen=True, slots=True)
class Failure:
    """An item the source could not even offer (e.g. a file that vanished or cannot be opened)."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls."""

    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class Poll:
    """The result of one poll: items to look at (possibly none), and the state to store afterwards."""

    items: Iterable[Item | Failure] = ()
    state: SourceState = field(default_factory=SourceState)
    not_modified: bool = False
    note: str | None = None


class Source(Protocol):
    name: str

    def poll(self, state: SourceState) -> Poll:
        """Poll once. Raises SourceError when the whole source fails; one bad item is a Failure."""
        ...


class SourceOptions(BaseModel):
    """Base for each kind's options model: the YAML entry, validated strictly (extra="forbid").

    Every kind has `interval` (how often it is polled; a number of seconds or 30s / 15m / 2h / 1d) and
    `jitter` (up to this many seconds added at random to each interval, so sources spread out).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: str
    interval: float = 900.0
    jitter: float | None = None

    @field_validator("interval", "jitter", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value < 1:
            raise ValueError("must be at least 1 second")
        return value

    @property
    def jitter_seconds(self) -> float:
        """The configured jitter, else a tenth of the interval (at most 5 minutes)."""
        return self.jitter if self.jitter is not None else min(self.interval / 10, 300.0)

    def build(self, fetcher: Fetcher) -> Source:
        """The source these options describe."""
        raise NotImplementedError
