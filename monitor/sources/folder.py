"""Source kind `folder`: articles dropped into a directory as .txt, .md, .html or .json files.

    sources:
      - name: inbox
        kind: folder
        path: ../inbox          # relative to the rules file
        patterns: ["*.txt", "*.md", "*.html", "*.json"]
        recursive: true
        interval: 60s           # the rescan safety net; `monitor run` also picks up new files at once

Each file is identified by its path and the hash of its bytes: it is read once, and read again when
its content changes. Unreadable or binary files are skipped with the reason logged and counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationInfo, field_validator

from monitor import documents
from monitor.domain import RawDocument
from monitor.sources.base import Failure, Item, Poll, Source, SourceError, SourceOptions, SourceState

if TYPE_CHECKING:
    from monitor.fetch import Fetcher

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
            if path.is_dir() or any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            key = str(path.relative_to(root))
            try:
                size = path.stat().st_size
                if size > MAX_FILE_BYTES:
                    yield Failure(key, f"file too large ({size} bytes; limit {MAX_FILE_BYTES})")
                    continue
                data = path.read_bytes()
                observed = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError as exc:
                yield Failure(key, f"cannot read file: {exc.strerror or exc}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            yield Item(key, digest, partial(self._read, key, digest, data, observed))

    def _read(self, key: str, digest: str, data: bytes, observed: datetime) -> list[RawDocument]:
        parsed = documents.parse(key, data)
        return [
            RawDocument(
                source=self.name,
                key=key if len(parsed) == 1 else f"{key}#{i}",
                content_hash=digest,
                title=doc.title,
                text=doc.body,
                observed=observed,
                url=doc.url,
                outlet=doc.outlet or self.options.outlet,
                author=doc.author,
                published=doc.published,
                date_origin=doc.date_origin,
            )
            for i, doc in enumerate(parsed)
        ]
