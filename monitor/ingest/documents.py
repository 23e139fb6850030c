"""Read a file's bytes as one or more articles: plain text, Markdown, HTML or JSON.

Raises `UnreadableItem` with a reason a person can act on (binary file, unknown encoding, invalid JSON,
no article text). Never guesses silently: where a date comes from is recorded in `date_origin`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from charset_normalizer import from_bytes

from monitor.config.safe_yaml import YamlProblem, parse_yaml
from monitor.ingest.dates import MARKER, parse_date
from monitor.ingest.feed_entries import UNICODE_BOMS
from monitor.ingest.sources.base import UnreadableItem


@dataclass(frozen=True, slots=True)
class Parsed:
    title: str
    body: str
    published: datetime | None = None
    date_origin: str = "unknown"
    url: str | None = None
    outlet: str | None = None
    author: str | None = None


# The Western code pages, preferred in this order when the detector's candidates tie: windows-1252 is
# the web's default legacy encoding (WHATWG) and reads every printable Latin-1 byte the same.
WESTERN = ("cp1252", "latin_1", "iso8859_15")
# Candidates whose mess ratio ("chaos") is within this of the best one tie. On a short text the
# detector barely tells single-byte code pages apart: French or Spanish in windows-1252 scored 0.087
# against 0.0 for windows-1257 ("reēu", "nińo"), and its language guess ("Croatian", "Finnish") is
# no better. A text it reads as Cyrillic or Greek leaves windows-1252 out (mess ratio above 0.2).
WESTERN_TIE = 0.1


def decode(data: bytes) -> str:
    """Bytes to text: UTF-16 or UTF-32 when a byte order mark says so (as Windows editors save
    "Unicode"); else a NUL byte anywhere means a binary file (no other text encoding uses it); else
    UTF-8 (a UTF-8 byte order mark is dropped); else the encoding charset-normalizer finds, or a Western
    code page (`WESTERN`) that ties with it (`WESTERN_TIE`). So a short Central European windows-1250
    text that reads as cleanly in windows-1252 ("kõbõl" for "kőből") is read as windows-1252."""
    for bom, encoding in UNICODE_BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableItem(f"not text: invalid {encoding.upper()} at byte {exc.start}") from exc
            if "\x00" in text:
                raise UnreadableItem("binary file (contains NUL characters)")
            return text
    if b"\x00" in data:
        raise UnreadableItem("binary file (contains NUL bytes; UTF-16 text needs a byte order mark)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise UnreadableItem("not text: no encoding fits the bytes")
    tied = [m for m in matches if m.chaos <= best.chaos + WESTERN_TIE]
    return str(next((m for name in WESTERN for m in tied if m.encoding == name), best))


def parse(name: str, data: bytes) -> list[Parsed]:
    """Parse by file extension; returns at least one article or raises UnreadableItem."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    text = decode(data)
    if suffix in ("html", "htm"):
        return [_html(text)]
    if suffix == "json":
        return _json(text)
    if suffix in ("md", "markdown"):
        return [_markdown(text)]
    return [_plain(text)]


def _plain(text: str) -> Parsed:
    """Plain text: an optional leading `date YYYY-MM-DD` marker, then the title line, then the body.

    A first line of one to three words without a full stop, followed by a longer line, is a section
    label ("kicker") when the next line reads like a headline too (four to thirty words, no full stop):
    that next line is the title then.
    """
    published: datetime | None = None
    origin = "unknown"
    marker = MARKER.match(text)
    if marker:
        published = parse_date(marker.group(1))
        origin = "marker"
        text = text[marker.end() :]
    lines = [line.strip() for line in text.strip().splitlines()]
    content = [line for line in lines if line]
    if not content:
        raise UnreadableItem("empty file: no title or text")
    title = content[0]
    if len(content) > 1 and _is_kicker(title, content[1]):
        title = content[1]
    body = "\n".join(lines).strip()
    if body.startswith(title):
        body = body[len(title) :].strip()
    return Parsed(title=title, body=body, published=published, date_origin=origin)


def _is_kicker(first: str, second: str) -> bool:
    def headline(line: str, words: range) -> bool:
        return len(line.split()) in words and not line.endswith((".", "!", "?"))

    return headline(first, range(1, 4)) and headline(second, range(4, 31))


_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^#{1,6}\s*", re.MULTILINE)


def _markdown(text: str) -> Parsed:
    """Markdown: optional YAML front matter (title, date, url, outlet, author); `# Heading` as title."""
    meta: dict[str, Any] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        try:
            loaded, _ = parse_yaml(front.group(1))
        except YamlProblem as exc:
            where = f" (line {exc.line + 1})" if exc.line else ""  # the file's line 1 is the "---"
            raise UnreadableItem(f"invalid front matter{where}: {exc.message}") from exc
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[front.end() :]
    plain = _plain(_MD_HEADING.sub("", _MD_LINK.sub(r"\1", text)))
    return _with_meta(plain, meta)


def _html(text: str) -> Parsed:
    """HTML: trafilatura extracts the main text and metadata, leaving menus and boilerplate out."""
    import trafilatura  # a heavy import, only needed for HTML

    document = trafilatura.bare_extraction(text, with_metadata=True)
    found: dict[str, Any] = {}
    if isinstance(document, dict):
        found = document
    elif document is not None:
        found = document.as_dict()
    body = (found.get("text") or "").strip()
    if not body:
        raise UnreadableItem("no article text found in the HTML")
    title = (found.get("title") or "").strip() or body.splitlines()[0][:200]
    meta = {"date": found.get("date"), "url": found.get("url"), "outlet": found.get("sitename")}
    meta["author"] = found.get("author")
    return _with_meta(Parsed(title=title, body=body), meta, origin="metadata")


_JSON_TEXT = ("text", "body", "content", "article_body")
_JSON_DATE = ("published", "date", "published_at", "pubDate")


def _json(text: str) -> list[Parsed]:
    """JSON: one article object or a list of them; `title` and one of text/body/content are needed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableItem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    items = data if isinstance(data, list) else [data]
    out: list[Parsed] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UnreadableItem(f"JSON item {i} is not an object")
        body = next((item[k] for k in _JSON_TEXT if isinstance(item.get(k), str) and item[k].strip()), None)
        if body is None:
            raise UnreadableItem(f"JSON item {i} has no text (one of: {', '.join(_JSON_TEXT)})")
        title = str(item.get("title") or body.strip().splitlines()[0][:200])
        meta = {"date": next((item[k] for k in _JSON_DATE if item.get(k)), None)}
        meta |= {"url": item.get("url") or item.get("link"), "author": item.get("author")}
        meta["outlet"] = item.get("outlet") or item.get("source") or item.get("site")
        out.append(_with_meta(Parsed(title=title.strip(), body=body.strip()), meta, origin="metadata"))
    if not out:
        raise UnreadableItem("JSON list is empty")
    return out


def _with_meta(parsed: Parsed, meta: dict[str, Any], origin: str = "front matter") -> Parsed:
    def text(key: str) -> str | None:
        value = meta.get(key)
        return str(value).strip() or None if value is not None else None

    published, date_origin = parsed.published, parsed.date_origin
    raw_date = meta.get("date")
    if raw_date is not None:
        parsed_date = (
            parse_date(raw_date.isoformat()) if hasattr(raw_date, "isoformat") else parse_date(str(raw_date))
        )
        if parsed_date is not None:
            published, date_origin = parsed_date, origin
    return Parsed(
        title=text("title") or parsed.title,
        body=parsed.body,
        published=published,
        date_origin=date_origin,
        url=text("url"),
        outlet=text("outlet") or text("source"),
        author=text("author"),
    )
