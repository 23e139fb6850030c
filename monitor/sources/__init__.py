"""Source kinds, keyed by the YAML `kind` string: each kind is an options model that builds its source."""

from __future__ import annotations

from monitor.sources.base import Failure, Item, Source, SourceOptions, UnreadableItem
from monitor.sources.folder import FolderOptions

SOURCE_KINDS: dict[str, type[SourceOptions]] = {"folder": FolderOptions}

__all__ = ["SOURCE_KINDS", "Failure", "Item", "Source", "SourceOptions", "UnreadableItem"]
