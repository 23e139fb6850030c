"""Read a fetched feed body into entries: RSS 0.9x/1.0/2.0, Atom and JSON Feed. Pure: no network, no database.

What is read, per entry (`FeedEntry`):

- `guid`: the RSS `<guid>`, Atom `<id>`, RSS 1.0 `rdf:about` or JSON Feed `id`, exactly as the feed
  wrote it (stripped). It is never resolved against the feed URL, so it stays stable when the feed moves.
- `link`: the entry's article URL (RSS `<link>`, or a permalink `<guid>` when there is no link; Atom
  `rel="alternate"`; JSON Feed `url`, else `external_url`), made absolute against `xml:base` and then
  the feed URL, and without credentials: no user or password, no query parameter named in
  `secret_params` (`monitor.ingest.urls.without_credentials`), so a feed URL's key never reaches an
  article. A link that cannot be parsed is dropped.
- `title`: plain text; markup is stripped, entities decoded and whitespace collapsed to single spaces.
- `text`: the full content when the feed carries it (`content:encoded`, Atom `<content>`, JSON Feed
  `content_html` or `content_text`), else the summary (`<description>`, Atom `<summary>`, JSON Feed
  `summary`) with `summary_only=True`, so the caller knows to fetch the linked page for the whole
  article. HTML becomes plain text by `html_to_text`: one paragraph per block element.
- `published`: `published`/`pubDate`, else `updated`/`dc:date` (JSON Feed `date_published`, else
  `date_modified`), in UTC. A missing or unreadable date stays None; no date is ever guessed.
- `author`: the entry's author name; an Atom or JSON Feed entry without one inherits the feed's author,
  as both specifications say. RSS channel-level people (`managingEditor`) are not article authors.

XML feeds are read by feedparser, from an in-memory stream only: it never fetches a URL or opens a
file. A document whose DTD declares entities other than character references is refused (FeedError),
so no external entity (XXE) is resolved and no entity bomb expanded; see `_refuse_entity_declarations`.
A byte order mark decides how bytes become text (UTF-16, UTF-32), else feedparser's encoding detection
(HTTP charset, XML declaration, UTF-8, windows-1252). Malformed XML is read again by feedparser's
forgiving parser; whatever entries that recovers are kept, and `ParsedFeed.problem` says what was
wrong, for logs. A missing or non-XML
content type and an HTTP charset the document overrides are normal on the web and not reported.

JSON Feed (https://jsonfeed.org/version/1.1, and 1.0) is recognised by an `application/feed+json` or
`application/json` content type or by its `version` URL, and read with the standard `json` module.

`parse_feed` raises `FeedError` when nothing usable can be read: an empty body, an HTML page or other
non-feed document, or a malformed feed from which no entry could be recovered. A well-formed feed with
no entries is valid and gives an empty list.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXParseException

from monitor.ingest.urls import SECRET_PARAMETERS, without_credentials


class FeedError(Exception):
    """The body is not a feed we can read at all; str(exc) is a one-line reason for logs."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed entry, normalised; see the module docstring for where each field comes from."""

    guid: str | None
    link: str | None
    title: str
    text: str
    summary_only: bool
    published: datetime | None
    author: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A readable feed. `problem` is set when the document was malformed but entries were recovered."""

    title: str | None
    entries: list[FeedEntry]
    problem: str | None


_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_JSON_TYPES = frozenset({"application/feed+json", "application/json"})
_HTML_START = re.compile(rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_BOM = b"\xef\xbb\xbf"
_DECLARATIONS = (b"<?xml", "<?xml".encode("utf-16-le"), "<?xml".encode("utf-16-be"))


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    secret_params: Collection[str] = SECRET_PARAMETERS,
) -> ParsedFeed:
    """Parse a fetched feed body; `url` is where it was fetched from (the base for relative links),
    `secret_params` the query parameters that links must not carry.

    Returns the feed's title and its entries in document order; entries with neither title, text nor
    link are skipped. Raises FeedError with a one-line reason when nothing usable can be read.
    """
    data = bytes(body)
    start = data.removeprefix(_BOM).lstrip()
    if not start:
        raise FeedError("empty body")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if start.startswith(b"{") or (media_type in _JSON_TYPES and not start.startswith(b"<")):
        return _json_feed(data, base=_Base(url, secret_params), media_type=media_type)
    return _xml_feed(data, base=_Base(url, secret_params), content_type=content_type)


@dataclass(frozen=True, slots=True)
class _Base:
    """What entry links are resolved against: the feed URL, and the parameters a link must not carry."""

    url: str
    secret_params: Collection[str]


# --- XML feeds (feedparser) ---------------------------------------------------------------------------


def _xml_feed(data: bytes, *, base: _Base, content_type: str | None) -> ParsedFeed:
    # A 50 ms import, paid only by processes that read feeds.
    import feedparser
    import feedparser.encodings  # type: ignore[import-untyped]

    # A stream, never bytes or str: feedparser reads a bytes argument that names an existing local
    # file from disk, and fetches a str that looks like a URL. No content-location either: feedparser
    # would resolve permalink GUIDs against it, and a GUID must not change when the feed URL does;
    # links are resolved against the feed URL below instead.
    data, content_type = _transcode_by_bom(data, content_type)
    headers = {"content-type": content_type} if content_type else {}
    _refuse_entity_declarations(feedparser.encodings.convert_to_utf8(headers, data, {}))
    result: Any = feedparser.parse(io.BytesIO(data), response_headers=headers)
    problem = (
        _problem(result.get("bozo_exception"), declared=_has_declaration(data))
        if result.get("bozo")
        else None
    )
    feed: Mapping[str, Any] = result.get("feed") or {}
    atom = str(result.get("version") or "").startswith("atom")
    feed_author = _author(feed) if atom else None
    entries = [
        entry
        for raw in result.get("entries") or []
        if (entry := _xml_entry(raw, base=base, feed_author=feed_author)) is not None
    ]
    if not entries:
        if not result.get("version"):
            raise FeedError(_not_a_feed(data, problem))
        if problem is not None:
            raise FeedError(f"{problem}; no entries could be read")
    return ParsedFeed(title=_title(feed.get("title")) or None, entries=entries, problem=problem)


UNICODE_BOMS = (
    # (byte order mark, encoding), for XML feeds here and for files in monitor.ingest.documents
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _transcode_by_bom(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """A UTF-16 or UTF-32 body with a byte order mark as UTF-8, labelled so. The mark is enough for XML
    (no encoding declaration needed), but feedparser prefers the HTTP type's default (UTF-8, under
    which UTF-16 bytes decode to text full of NULs) and then reads nothing."""
    for bom, encoding in UNICODE_BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return data, content_type  # feedparser's detection says what is wrong
            return text.encode(), "application/xml; charset=utf-8"
    return data, content_type


_DOCTYPE = b"<!DOCTYPE"
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s+(?:%\s*)?([^\s>]{0,40})")
_CHARACTER_ENTITY = re.compile(rb"""<!ENTITY\s+[^\s%>]+\s+(["'])&#(?:[0-9]{1,7}|x[0-9a-fA-F]{1,6});\1\s*>""")


def _refuse_entity_declarations(utf8: bytes) -> None:
    """Raise FeedError when the document's DTD declares an entity other than a character reference
    (`<!ENTITY nbsp "&#160;">`, which real feeds use). `utf8` is the body as feedparser's parsers
    will see it (after its encoding detection), so no encoding hides a declaration.

    Neither of feedparser's parsers can be configured to be safe here. Its SAX parser (expat) has
    external entities switched off, so no file or URL is read (XXE), and expat >= 2.4 stops a "billion
    laughs" by its amplification limit; but feedparser then reads the document again with its loose
    parser, which expands every entity whose text has no "&" as often as it is referenced: one 100 kB
    entity referenced 10,000 times made a 1 GB title in 30 s. defusedxml would guard only the first
    parser. A feed that needs its own entities is vanishingly rare; one that declares them is refused.
    """
    start = utf8.find(_DOCTYPE)
    if start < 0:
        return
    refused = [
        match.group(1).decode("utf-8", "replace") or "?"
        for match in _ENTITY_DECLARATION.finditer(utf8, start)
        if not _CHARACTER_ENTITY.match(utf8, match.start())
    ]
    if refused:
        names = ", ".join(refused[:3]) + (f" and {len(refused) - 3} more" if len(refused) > 3 else "")
        raise FeedError(
            f"refused: the DTD declares entities ({names}) that could read files or expand without "
            "limit (XXE, entity bomb)"
        )


def _has_declaration(data: bytes) -> bool:
    for bom in (_BOM, b"\xff\xfe", b"\xfe\xff"):
        data = data.removeprefix(bom)
    return data.startswith(_DECLARATIONS)


def _problem(exc: object, *, declared: bool) -> str | None:
    """A one-line reason for a feedparser "bozo" exception, or None when it is harmless.

    feedparser puts an XML declaration on a line of its own before documents without one, so their
    line numbers are one too high; `declared` says whether the document had its own.
    """
    if exc is None:
        return None
    kind = type(exc).__name__
    if kind in ("NonXMLContentType", "CharacterEncodingOverride"):
        return None
    if isinstance(exc, SAXParseException):
        line = exc.getLineNumber()
        where = "" if line is None else f" (line {line if declared else max(line - 1, 1)})"
        reason = f"malformed XML: {exc.getMessage()}{where}"
    elif kind == "CharacterEncodingUnknown":
        reason = f"unknown encoding: {exc}"
    else:
        reason = f"malformed XML: {exc or kind}"
    return " ".join(reason.split())


def _not_a_feed(data: bytes, problem: str | None) -> str:
    if _HTML_START.match(data.removeprefix(_BOM)[:4096]):
        return "not a feed: an HTML page"
    if problem is not None:
        return f"not a feed: {problem}"
    return "not a feed: no RSS, Atom or RDF root element"


def _xml_entry(raw: Mapping[str, Any], *, base: _Base, feed_author: str | None) -> FeedEntry | None:
    title = _title(raw.get("title"))
    text, summary_only = "", True
    for content in raw.get("content") or []:
        text = _typed_text(content.get("value"), content.get("type"))
        if text:
            summary_only = False
            break
    if summary_only:
        detail = raw.get("summary_detail") or {}
        text = _typed_text(raw.get("summary"), detail.get("type"))
    link = _link(raw.get("link"), base)
    if not (title or text or link):
        return None
    return FeedEntry(
        guid=_clean(raw.get("id")),
        link=link,
        title=title,
        text=text,
        summary_only=summary_only,
        published=_struct_date(raw.get("published_parsed")) or _struct_date(raw.get("updated_parsed")),
        author=_author(raw) or feed_author,
    )


def _author(raw: Mapping[str, Any]) -> str | None:
    """The author's name from feedparser's `author` text.

    Not `author_detail`: feedparser finds the e-mail address there with a pattern that cuts top-level
    domains longer than four letters ("desk@gazette.example (Tomas Lind)" gives the name "ple (Tomas
    Lind"), so "email (Name)", "Name (email)" and "Name <email>" are split here. A bare e-mail address
    is not a name and gives None.
    """
    text = _clean(raw.get("author"))
    if text is None:
        return None
    for opening, closing in (("(", ")"), ("<", ">")):
        at = text.rfind(opening)
        if text.endswith(closing) and at > 0:
            outside, inside = text[:at].strip(), text[at + 1 : -1].strip()
            if "@" in inside and "@" not in outside:
                return outside or None
            if "@" in outside and "@" not in inside:
                return inside or None
    return None if "@" in text and " " not in text else text


def _struct_date(value: object) -> datetime | None:
    """feedparser's parsed dates are `time.struct_time` in UTC."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


# --- JSON Feed ----------------------------------------------------------------------------------------


def _json_feed(data: bytes, *, base: _Base, media_type: str) -> ParsedFeed:
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise FeedError(f"not a feed: JSON that is not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise FeedError(
            f"not a feed: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(document, dict):
        raise FeedError("not a feed: a JSON document that is not an object")
    version = document.get("version")
    declared = isinstance(version, str) and version.startswith(_JSON_FEED_VERSION)
    items = document.get("items")
    if not declared and not (media_type == "application/feed+json" and isinstance(items, list)):
        raise FeedError("not a feed: a JSON document without a JSON Feed version")
    if not isinstance(items, list):
        raise FeedError("JSON Feed without an items list")
    feed_author = _json_author(document)
    entries = [
        entry
        for item in items
        if isinstance(item, dict)
        and (entry := _json_item(item, base=base, feed_author=feed_author)) is not None
    ]
    return ParsedFeed(title=_title(document.get("title")) or None, entries=entries, problem=None)


def _json_item(item: Mapping[str, Any], *, base: _Base, feed_author: str | None) -> FeedEntry | None:
    title = _title(item.get("title"))
    text = _typed_text(item.get("content_html"), "text/html") or _typed_text(
        item.get("content_text"), "text/plain"
    )
    summary_only = not text
    if summary_only:
        text = _typed_text(item.get("summary"), "text/plain")
    link = _link(item.get("url"), base) or _link(item.get("external_url"), base)
    if not (title or text or link):
        return None
    raw_id = item.get("id")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):  # JSON Feed 1.0 allowed numbers
        raw_id = str(raw_id)
    return FeedEntry(
        guid=_clean(raw_id),
        link=link,
        title=title,
        text=text,
        summary_only=summary_only,
        published=_iso_date(item.get("date_published")) or _iso_date(item.get("date_modified")),
        author=_json_author(item) or feed_author,
    )


def _json_author(obj: Mapping[str, Any]) -> str | None:
    """`authors[0].name` (JSON Feed 1.1), else `author.name` (1.0)."""
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        name = _clean(authors[0].get("name"))
        if name:
            return name
    author = obj.get("author")
    return _clean(author.get("name")) if isinstance(author, dict) else None


def _iso_date(value: object) -> datetime | None:
    """An RFC 3339 date; one without an offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# --- shared field cleaning ----------------------------------------------------------------------------


def _clean(value: object) -> str | None:
    """A stripped, whitespace-collapsed string, or None for a missing, empty or non-string value."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _title(value: object) -> str:
    return " ".join(html_to_text(value).split()) if isinstance(value, str) else ""


def _link(value: object, base: _Base) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        link = urljoin(base.url, value.strip())
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    return without_credentials(link, base.secret_params)


def _typed_text(value: object, media_type: object) -> str:
    """Plain text from a feed text construct: `text/plain` as plain text, anything else as HTML."""
    if not isinstance(value, str):
        return ""
    if media_type == "text/plain":
        return _plain_paragraphs(value)
    return html_to_text(value)


# --- HTML to text -------------------------------------------------------------------------------------

_PARAGRAPH_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt"),
        *("fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table"),
        *("tbody", "thead", "tfoot", "tr", "ul"),
    }
)
_CELL_TAGS = frozenset({"td", "th"})
_DROPPED_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed", "svg"}
    | {"canvas", "select", "button"}
)
_MARKUP = re.compile(r"<[A-Za-z!/?]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<[^<>]*>")
_BLOCK_TAG = re.compile(r"<(?:br|/?(?:p|div|h[1-6]|li|blockquote|tr|ul|ol|table|pre))\b[^<>]*>", re.I)


class _TextWriter:
    """Collects text runs and breaks; a break of strength 1 is a newline, 2 a blank line."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.line: list[str] = []
        self.pending = 0

    def text(self, value: str | None) -> None:
        if value:
            self.line.append(value)

    def brk(self, strength: int, *, line_break: bool = False) -> None:
        segment = " ".join("".join(self.line).split())
        self.line.clear()
        if segment:
            if self.out:
                self.out.append("\n" * max(self.pending, 1))
            self.out.append(segment)
            self.pending = 0
        elif line_break and self.pending:
            strength = 2  # <br><br> between two runs of text is a paragraph break
        self.pending = max(self.pending, strength)

    def result(self) -> str:
        self.brk(0)
        return "".join(self.out)


def html_to_text(html_text: str) -> str:
    """Plain text from HTML: one paragraph per block element, separated by a blank line.

    Paragraph-level elements (p, div, h1-h6, blockquote, li, tr, ...) are separated by "\\n\\n", `<br>`
    by "\\n" (two in a row by "\\n\\n"); runs of whitespace collapse to one space; entities are decoded;
    scripts, styles and other non-text elements are dropped. Input without any markup is read as plain
    text: blank lines separate paragraphs, other line breaks are spaces. Linear in the input size.
    Never raises: if the HTML parser fails or gives up (elements nested over 255 deep), tags are
    removed crudely instead, keeping paragraph breaks.
    """
    if not _MARKUP.search(html_text):
        return _plain_paragraphs(html.unescape(html_text))
    try:
        return _walk_html(html_text)
    except Exception:  # lxml on hostile input; the contract is to never raise
        return _plain_paragraphs(html.unescape(_TAG.sub(" ", _BLOCK_TAG.sub("\n\n", html_text))))


def _walk_html(html_text: str) -> str:
    import lxml.html  # type: ignore[import-untyped]  # also loads lxml.etree

    source = _CONTROL.sub("", _XML_DECLARATION.sub("", html_text, count=1))
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except lxml.etree.ParserError:  # "Document is empty": only comments or whitespace
        return ""
    if any(error.level_name == "FATAL" for error in parser.error_log):
        # libxml2 stops reading at nesting depth 256 and drops the rest; the caller falls back.
        raise ValueError("HTML parser gave up")
    body = root.find("body")
    writer = _TextWriter()
    preformatted = 0
    stack: list[tuple[Any, bool]] = [(body if body is not None else root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag.rpartition("}")[2].lower() if isinstance(node.tag, str) else None
        if closing:
            if tag == "pre":
                preformatted -= 1
            if tag in _PARAGRAPH_TAGS:
                writer.brk(2)
            elif tag in _CELL_TAGS:
                writer.text(" ")  # cells of a row stay on one line
        elif tag is None or tag in _DROPPED_TAGS:  # comments, processing instructions, scripts
            pass
        else:
            if tag == "br":
                writer.brk(1, line_break=True)
            elif tag in _PARAGRAPH_TAGS:
                writer.brk(2)
            if tag == "pre":
                preformatted += 1
            _write(writer, node.text, preformatted)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
            continue
        _write(writer, node.tail, preformatted)
    return writer.result()


def _write(writer: _TextWriter, value: str | None, preformatted: int) -> None:
    if not value:
        return
    if not preformatted:
        writer.text(value)
        return
    lines = value.split("\n")
    for i, line in enumerate(lines):
        if i:
            writer.brk(1)
        writer.text(line)


def _plain_paragraphs(text: str) -> str:
    """Plain text tidied: blank lines separate paragraphs; other whitespace, line breaks included,
    collapses to one space (feeds hard-wrap their text inside the XML)."""
    paragraphs: list[str] = []
    words: list[str] = []
    for line in _CONTROL.sub("", text).splitlines():
        if line.strip():
            words.extend(line.split())
        elif words:
            paragraphs.append(" ".join(words))
            words = []
    if words:
        paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs)
