"""What every source kind provides: a poll that lists items, each readable into documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from monitor.domain import RawDocument


class UnreadableItem(Exception):
    """An item that cannot be read as an article; the message is the reason, for logs and counts."""


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


class Source(Protocol):
    name: str

    def poll(self) -> Iterator[Item | Failure]:
        """List the source's current items. Never raises for one bad item: it yields a Failure."""
        ...


class SourceOptions(BaseModel):
    """Base for each kind's options model: the YAML entry, validated strictly (extra="forbid")."""

    model_config = {"extra": "forbid", "frozen": True}

    name: str
    kind: str

    def build(self) -> Source:
        """The source these options describe."""
        raise NotImplementedError
