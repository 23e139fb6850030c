"""Source kinds, keyed by the YAML `kind` string: each kind is an options model that builds its source."""

from __future__ import annotations

from monitor.ingest.sources.base import (
    Failure,
    Item,
    Poll,
    Source,
    SourceError,
    SourceOptions,
    SourceState,
    UnreadableItem,
)
from monitor.ingest.sources.feed import FeedOptions
from monitor.ingest.sources.folder import FolderOptions

SOURCE_KINDS: dict[str, type[SourceOptions]] = {"folder": FolderOptions, "feed": FeedOptions}

__all__ = [
    "SOURCE_KINDS",
    "Failure",
    "Item",
    "Poll",
    "Source",
    "SourceError",
    "SourceOptions",
    "SourceState",
    "UnreadableItem",
]
