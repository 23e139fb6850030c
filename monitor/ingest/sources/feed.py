"""Source kind `feed`: an RSS 0.9x/1.0/2.0, Atom or JSON Feed, polled politely.

    sources:
      - name: example-wire
        kind: feed
        url: https://example.org/world/rss.xml
        interval: 15m          # the default; jitter defaults to a tenth of it (at most 5 minutes)
        full_text: false       # true: fetch the linked page when an entry carries only a summary
        outlet: Example Wire   # default: the feed's own title
        secret_params: [sid]   # query parameters that carry a credential, beyond the usual ones

Each poll is a conditional GET (ETag / Last-Modified): a 304 costs no parsing. A permanent redirect
(301/308) updates the stored URL; 429/503 with Retry-After pause the feed for as long as asked. An
entry's identity is its GUID, else its canonical link (tracking parameters, fragment, scheme and
"www." ignored), else a hash of its title and text; an edited entry updates the stored article.

The feed URL may carry credentials (`https://user:pw@host/rss?token=...`): entry links resolved against
it never keep them (no user or password, no `token`, `key`, `api_key`... or `secret_params` parameter).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitor.domain import RawDocument
from monitor.ingest.feed_entries import FeedEntry, FeedError, parse_feed
from monitor.ingest.fetch import Fetcher, FetchError, Validators
from monitor.ingest.sources import base
from monitor.ingest.sources.base import Item, Poll, Source, SourceError, SourceOptions, SourceState
from monitor.ingest.urls import SECRET_PARAMETERS, url_identity

log = logging.getLogger(__name__)


class FeedOptions(SourceOptions):
    kind: Literal["feed"]
    url: str
    full_text: bool = False
    outlet: str | None = None
    secret_params: list[str] = Field(default_factory=list)
    """Query parameters of `url` that carry a credential, in addition to SECRET_PARAMETERS."""

    @property
    def secret_parameters(self) -> frozenset[str]:
        return SECRET_PARAMETERS | {name.lower() for name in self.secret_params}

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        return value.strip()

    def build(self, fetcher: Fetcher | None = None) -> Source:
        if fetcher is None:
            raise ValueError("a feed source needs a fetcher")
        return FeedSource(self, fetcher)


MAX_ENTRIES = 1000
"""Entries read per poll, in document order (newest first in practice): a feed within the size limit
can still list 100,000 entries, each of which would become an article to analyse."""


def entry_key(entry: FeedEntry) -> str:
    """GUID, else canonical link, else a hash of title and text; printable and bounded (`item_key`)."""
    if entry.guid:
        return base.item_key(f"guid:{entry.guid}")
    if entry.link:
        return base.item_key(f"url:{url_identity(entry.link)}")
    text = f"{entry.title}\n{entry.text}".encode("utf-8", "surrogatepass")
    return "hash:" + hashlib.sha256(text).hexdigest()[:32]


class FeedSource:
    def __init__(self, options: FeedOptions, fetcher: Fetcher) -> None:
        self.name = options.name
        self.options = options
        self.fetcher = fetcher

    def poll(self, state: SourceState) -> Poll:
        """Fetch and parse the feed. Raises SourceError on HTTP failures or an unreadable body."""
        url = state.url or self.options.url
        try:
            response = self.fetcher.get(url, Validators(state.etag, state.last_modified))
        except FetchError as exc:
            raise SourceError(str(exc), exc.retry_after) from exc
        new_state = SourceState(
            url=response.permanent_url or url,
            etag=response.validators.etag,
            last_modified=response.validators.last_modified,
        )
        if response.permanent_url and response.permanent_url != url:
            log.info("source=%s moved permanently: %s -> %s", self.name, url, response.permanent_url)
        if response.status == 304:
            return Poll(state=new_state, not_modified=True)
        try:
            feed = parse_feed(
                response.body,
                url=response.url,
                content_type=response.content_type,
                secret_params=self.options.secret_parameters,
            )
        except FeedError as exc:
            raise SourceError(f"unreadable feed: {exc}") from exc
        outlet = self.options.outlet or feed.title
        notes = [feed.problem] if feed.problem else []
        if len(feed.entries) > MAX_ENTRIES:
            notes.append(f"{len(feed.entries)} entries; only the first {MAX_ENTRIES} are read")
        items = self._items(feed.entries[:MAX_ENTRIES], outlet)
        return Poll(items=items, state=new_state, note="; ".join(notes) or None)

    def _items(self, entries: list[FeedEntry], outlet: str | None) -> Iterator[Item]:
        seen: set[str] = set()
        observed = datetime.now(UTC)
        for entry in entries:
            key = entry_key(entry)
            if key in seen:
                continue
            seen.add(key)
            content = f"{entry.title}\n{entry.text}\n{entry.link}".encode("utf-8", "surrogatepass")
            digest = hashlib.sha256(content).hexdigest()
            yield Item(key, digest, partial(self._read, entry, key, digest, outlet, observed))

    def _read(
        self, entry: FeedEntry, key: str, digest: str, outlet: str | None, observed: datetime
    ) -> list[RawDocument]:
        text = entry.text
        if self.options.full_text and entry.summary_only and entry.link:
            text = self._full_text(entry.link) or text
        return [
            base.checked(
                RawDocument(
                    source=self.name,
                    key=key,
                    content_hash=digest,
                    title=entry.title,
                    text=text,
                    observed=observed,
                    url=entry.link,
                    outlet=outlet,
                    author=entry.author,
                    published=entry.published,
                    date_origin="feed" if entry.published else "unknown",
                )
            )
        ]

    def _full_text(self, link: str) -> str | None:
        """The linked page's main text (trafilatura), fetched with the same limits; None on failure."""
        import trafilatura

        try:
            page = self.fetcher.get(link)
        except FetchError as exc:
            log.warning("source=%s full text of %s not fetched: %s; using the summary", self.name, link, exc)
            return None
        text = trafilatura.extract(page.body, url=page.url, include_comments=False)
        if not text:
            log.warning("source=%s no article text found at %s; using the summary", self.name, link)
        return text or None
