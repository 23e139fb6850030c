"""Source kind `folder`: articles dropped into a directory as .txt, .md, .html or .json files.

    sources:
      - name: inbox
        kind: folder
        path: ../inbox          # relative to the rules file
        patterns: ["*.txt", "*.md", "*.html", "*.json"]
        recursive: true
        interval: 60s           # the rescan safety net; `monitor run` also picks up new files at once

Each file is identified by its path and the hash of its bytes: it is read once, and read again when
its content changes. Unreadable or binary files are skipped with the reason logged and counted: a file
that vanished or cannot be opened, a symlink loop, a FIFO, socket or device with a matching name (never
opened for a blocking read), a file over 20 MB. A file over 20 MB is remembered by its size and
modification time, as a refused file is by its hash: it is reported once, not on every poll, and looked
at again when it changes. A file name that is not valid UTF-8 or holds control
characters is keyed with those bytes and characters written as `\\xNN`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationInfo, field_validator

from monitor.domain import RawDocument
from monitor.ingest import documents
from monitor.ingest.sources import base
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

if TYPE_CHECKING:
    from monitor.ingest.fetch import Fetcher

DEFAULT_PATTERNS = ("*.txt", "*.md", "*.markdown", "*.html", "*.htm", "*.json")
MAX_FILE_BYTES = 20 * 1024 * 1024


class FolderOptions(SourceOptions):
    kind: Literal["folder"]
    interval: float = 60.0
    path: Path
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    recursive: bool = True
    outlet: str | None = None

    @field_validator("path")
    @classmethod
    def _relative_to_rules_file(cls, value: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base_dir")
        return value if value.is_absolute() or base is None else (Path(base) / value).resolve()

    def build(self, fetcher: Fetcher | None = None) -> Source:
        return FolderSource(self)

    def wants(self, path: Path) -> bool:
        """Whether a file at `path` belongs to this source (for filesystem events)."""
        try:
            relative = path.resolve().relative_to(self.path)
        except ValueError:
            return False
        if any(part.startswith(".") for part in relative.parts):
            return False
        if not self.recursive and len(relative.parts) > 1:
            return False
        return any(relative.match(pattern) or path.match(pattern) for pattern in self.patterns)


class FolderSource:
    def __init__(self, options: FolderOptions) -> None:
        self.name = options.name
        self.options = options

    def poll(self, state: SourceState) -> Poll:
        """List the folder. Raises SourceError if the folder is missing."""
        if not self.options.path.is_dir():
            raise SourceError(f"folder {self.options.path} does not exist or is not a directory")
        return Poll(items=self._items(), state=state)

    def _items(self) -> Iterator[Item | Failure]:
        root = self.options.path
        paths: set[Path] = set()
        for pattern in self.options.patterns:
            paths.update(root.rglob(pattern) if self.options.recursive else root.glob(pattern))
        for path in sorted(paths):
            relative = path.relative_to(root)
            if path.is_dir() or any(part.startswith(".") for part in relative.parts):
                continue  # a folder named like a file is listed, not read; its files are
            key = file_key(str(relative))
            try:
                data, observed = read_file(path, MAX_FILE_BYTES)
            except _TooLarge as large:  # not read, so not hashed: known by its size and time instead
                known = f"too large: {large.size} bytes, mtime {large.mtime_ns}".encode()
                yield Item(key, hashlib.sha256(known).hexdigest(), partial(_refuse, str(large)))
                continue
            except _Skip as skip:
                yield Failure(key, str(skip))
                continue
            digest = hashlib.sha256(data).hexdigest()
            yield Item(key, digest, partial(self._read, path.name, key, digest, data, observed))

    def _read(self, name: str, key: str, digest: str, data: bytes, observed: datetime) -> list[RawDocument]:
        return file_documents(self.name, name, key, digest, data, observed, outlet=self.options.outlet)


def file_documents(
    source: str, name: str, key: str, digest: str, data: bytes, observed: datetime, *, outlet: str | None
) -> list[RawDocument]:
    """A file's documents as the folder source hands them over (one per article of a JSON list).
    Raises UnreadableItem with the reason."""
    parsed = documents.parse(name, data)  # by the name's suffix: a long key ends in a hash
    return [
        base.checked(
            RawDocument(
                source=source,
                key=key if len(parsed) == 1 else f"{key}#{i}",  # file_key leaves room for "#i"
                content_hash=digest,
                title=doc.title,
                text=doc.body,
                observed=observed,
                url=doc.url,
                outlet=doc.outlet or outlet,
                author=doc.author,
                published=doc.published,
                date_origin=doc.date_origin,
            )
        )
        for i, doc in enumerate(parsed)
    ]


def read_one(path: Path, source: str = "file") -> list[RawDocument]:
    """The documents of one file outside any folder source (`monitor explain`), read under the same
    rules and limits. Raises UnreadableItem with the reason."""
    try:
        data, observed = read_file(path, MAX_FILE_BYTES)
    except _Skip as skip:
        raise UnreadableItem(str(skip)) from skip
    digest = hashlib.sha256(data).hexdigest()
    return file_documents(source, path.name, file_key(path.name), digest, data, observed, outlet=None)


class _Skip(Exception):
    """A file that is listed but not read; the message is the reason."""


class _TooLarge(_Skip):
    """A regular file over the limit, with the size and modification time it had."""

    def __init__(self, reason: str, size: int, mtime_ns: int) -> None:
        super().__init__(reason)
        self.size, self.mtime_ns = size, mtime_ns


def _refuse(reason: str) -> list[RawDocument]:
    raise UnreadableItem(reason)


_FILE_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_file(path: Path, limit: int) -> tuple[bytes, datetime]:
    """The bytes and modification time of the regular file at `path` (symlinks followed), read through
    one file descriptor, so a file replaced between the listing and the read is read whole or not at
    all. Raises _Skip with the reason: cannot be opened (vanished, no permission, symlink loop), not a
    regular file, or more than `limit` bytes (also when it grows while being read).

    Opened non-blocking: opening a FIFO for reading would otherwise wait for a writer forever.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _Skip(f"cannot read file: {exc.strerror or exc}") from exc
    with open(fd, "rb") as file:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                kind = _FILE_KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
                raise _Skip(f"not a regular file: {kind}")
            if info.st_size > limit:
                raise _TooLarge(
                    f"file too large ({info.st_size} bytes; limit {limit})", info.st_size, info.st_mtime_ns
                )
            data = file.read(limit + 1)
        except OSError as exc:
            raise _Skip(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise _TooLarge(
            f"file too large (grew past {limit} bytes while being read)", len(data), info.st_mtime_ns
        )
    return data, datetime.fromtimestamp(info.st_mtime, UTC)


_MULTI_DOCUMENT_SUFFIX = len("#1234567")
"""Room left in a key for the "#i" of each article of a JSON list (a 20 MB file holds fewer than 2
million of them)."""


def file_key(relative: str) -> str:
    """A file's item key: its path relative to the folder, made printable by `item_key`. Bytes of the
    name that are not UTF-8 (which Python hands over as surrogate escapes) are written as `\\xNN`, as
    are control characters (a newline, a tab, ESC). The same name always gives the same key.
    """
    raw = relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return base.item_key(raw, reserve=_MULTI_DOCUMENT_SUFFIX)
