"""Read one web page as an article outside any source (`monitor explain URL`).

The page is fetched with the fetcher the feed sources use (its size, timeout and redirect limits) and
read as the folder source reads a file: HTML through trafilatura (main text, title, date, site name),
JSON and plain text by their type. Nothing is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.domain import RawDocument
from monitor.ingest.fetch import Fetcher, FetchError
from monitor.ingest.sources import base
from monitor.ingest.sources.base import UnreadableItem
from monitor.ingest.sources.folder import file_documents

_BY_TYPE = {"text/html": "page.html", "application/xhtml+xml": "page.html", "application/json": "page.json"}


def read_page(fetcher: Fetcher, url: str, source: str = "url") -> list[RawDocument]:
    """The page at `url` as documents, their link the page's final URL unless the page names its own.
    Raises UnreadableItem with the reason (a failed fetch too)."""
    try:
        response = fetcher.get(url)
    except FetchError as exc:
        raise UnreadableItem(f"cannot fetch {url}: {exc}") from exc
    media = (response.content_type or "").split(";")[0].strip().lower()
    name = _BY_TYPE.get(media) or urlsplit(response.url).path.rsplit("/", 1)[-1] or "page.txt"
    digest = hashlib.sha256(response.body).hexdigest()
    docs = file_documents(
        source, name, base.item_key(response.url), digest, response.body, datetime.now(UTC), outlet=None
    )
    return [base.checked(replace(d, url=d.url or response.url)) for d in docs]
