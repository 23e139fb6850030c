"""Hostile input never crashes a poll: broken and malicious feeds, odd files and names in a watched
folder, and mutated rules files each end in a logged, counted reason, while the other sources and items
of the same pass are still stored. XML is read without external entities or entity expansion.

The corpus is generated here (deterministically; the big inputs are made, not committed).
"""

from __future__ import annotations

import codecs
import json
import logging
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from monitor.app import App, build_app
from monitor.config.rules import ConfigError, load_rules
from monitor.config.settings import Settings
from monitor.ingest.feed_entries import parse_feed
from monitor.ingest.fetch import Fetcher, FetchLimits
from monitor.ingest.sources import Failure, Item, SourceState, UnreadableItem
from monitor.ingest.sources.base import MAX_KEY_LENGTH
from monitor.ingest.sources.feed import MAX_ENTRIES, FeedOptions
from monitor.ingest.sources.folder import FolderOptions
from monitor.pipeline import run_pass
from monitor.store.models import ArticleRow, SourceItemRow, SourceRow

from .feedserver import FeedServer
from .test_rules_validation import GOOD

CONFIRM = "Acme confirmed that it has closed the Leeds factory, cutting 300 jobs."
SECRET = "TOP-SECRET-9f27c1"
CLAIMS = """\
claims:
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, closed, jobs]
stance:
  kind: rules
polling:
  timeout: 2
  max_bytes: 4000000
"""


DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def head(title: str = "Wire") -> str:
    return f'{DECLARATION}<rss version="2.0"><channel><title>{title}</title>'


def item(guid: str, title: str, text: str = CONFIRM) -> str:
    return f"<item><guid>{guid}</guid><title>{title}</title><description>{text}</description></item>"


def with_dtd(dtd: str, *items: str) -> bytes:
    """A feed of `items` whose DOCTYPE has `dtd` as its internal subset."""
    body = feed(*items).removeprefix(DECLARATION)
    return f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{dtd}\n]>\n{body}'.encode()


def feed(*items: str, title: str = "Wire") -> str:
    return head(title) + "".join(items) + "</channel></rss>"


LAUGHS = '<!ENTITY lol "lol">\n' + "\n".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
)


def hostile_feeds(secret: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (body, content type). Each is a case of the corpus; see EXPECTED for the outcomes."""
    xml = "application/rss+xml"
    one = item("e1", "Acme one")
    latin = feed(item("lat", "Caf\xe9 Acme", f"Le caf\xe9 a ferm\xe9. {CONFIRM}")).encode("latin-1")

    def utf16(title: str) -> str:
        return feed(item(title, title)).replace('encoding="utf-8"', 'encoding="utf-16"')

    truncated = feed(one, item("e2", "Acme two"))
    truncated = truncated[: truncated.index("<item><guid>e2") + 8]  # cut in the second entry
    return {
        "good": (feed(item("g1", "Acme shuts Leeds")).encode(), xml),
        "truncated-recoverable": (truncated.encode(), xml),
        "truncated-nothing": (head()[:-12].encode(), xml),
        "empty": (b"", xml),
        "whitespace": (b" \r\n\t ", xml),
        "html": (b"<!DOCTYPE html><html><body><p>Nothing to see</p></body></html>", "text/html"),
        "lying-encoding": (latin, "application/rss+xml; charset=utf-8"),
        "utf16-bom": (codecs.BOM_UTF16_LE + utf16("Acme UTF-16 BOM").encode("utf-16-le"), xml),
        "utf16-no-bom": (utf16("Acme UTF-16 no BOM").encode("utf-16-be"), "application/xml"),
        "xxe-file": (with_dtd(f'<!ENTITY xxe SYSTEM "file://{secret}">', item("x", "&xxe;")), xml),
        "xxe-parameter": (
            with_dtd(f'<!ENTITY % p SYSTEM "file://{secret}">\n%p;', item("p", "Acme p")),
            xml,
        ),
        "utf16-bom-undeclared": (codecs.BOM_UTF16_BE + feed(item("u", "Acme BOM")).encode("utf-16-be"), xml),
        "xxe-utf16": (
            codecs.BOM_UTF16_BE
            + with_dtd(f'<!ENTITY xxe SYSTEM "file://{secret}">', item("x", "&xxe;"))
            .decode()
            .encode("utf-16-be"),
            xml,
        ),
        "billion-laughs": (with_dtd(LAUGHS, item("b", "&lol9;")), xml),
        "quadratic-blowup": (
            with_dtd(f'<!ENTITY a "{"x" * 100_000}">', item("q", "&a;" * 100_000)),
            xml,
        ),
        "nul-bytes": (feed(item("n\0ul", "Acme\0 nul", f"Acme\0 {CONFIRM}")).encode(), xml),
        "huge-guid-and-title": (
            feed(
                f'<item><guid isPermaLink="false">{"G" * 1_000_000}</guid>'
                "<title>Acme huge guid</title></item>",
                item("t", "Acme " + "T" * 1_000_000),
                f"<item><title>Acme long link</title><link>http://x.test/{'l' * 1_000_000}</link></item>",
            ).encode(),
            xml,
        ),
        "over-the-limit": (feed(*(item(str(i), f"Acme {i}") for i in range(100_000))).encode(), xml),
        "json-wrong-types": (
            json.dumps(
                {
                    "version": "https://jsonfeed.org/version/1.1",
                    "title": ["not", "a", "string"],
                    "items": [
                        {"id": {"a": 1}, "title": 5, "content_html": ["x"], "url": 3, "authors": "x"},
                        "not an object",
                        {"id": "j\ud800", "title": "Acme JSON", "content_text": CONFIRM, "date_published": 7},
                    ],
                }
            ).encode(),
            "application/feed+json",
        ),
        "json-items-not-a-list": (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": "none"}',
            "application/feed+json",
        ),
        "json-not-utf8": (
            b'{"version": "https://jsonfeed.org/version/1", "title": "caf\xe9"}',
            "application/json",
        ),
    }


REFUSED = "unreadable feed: refused: the DTD declares entities"
EXPECTED_ERRORS = {
    "truncated-nothing": "unreadable feed: malformed XML: no element found (line 1); no entries could "
    "be read",
    "empty": "unreadable feed: empty body",
    "whitespace": "unreadable feed: empty body",
    "html": "unreadable feed: not a feed: an HTML page",
    "xxe-file": f"{REFUSED} (xxe)",
    "xxe-parameter": f"{REFUSED} (p)",
    "xxe-utf16": f"{REFUSED} (xxe)",
    "billion-laughs": f"{REFUSED} (lol, lol1, lol2 and 7 more)",
    "quadratic-blowup": f"{REFUSED} (a)",
    "over-the-limit": "response larger than 4000000 bytes",
    "json-items-not-a-list": "unreadable feed: JSON Feed without an items list",
    "json-not-utf8": "unreadable feed: not a feed: JSON that is not UTF-8 (invalid continuation byte)",
}
"""Sources that fail as a whole, with the error stored and logged for them."""
EXPECTED_TITLES = {
    "good": ["Acme shuts Leeds"],
    "truncated-recoverable": ["Acme one"],
    "lying-encoding": ["Café Acme"],
    "utf16-bom": ["Acme UTF-16 BOM"],
    "utf16-no-bom": ["Acme UTF-16 no BOM"],
    "utf16-bom-undeclared": ["Acme BOM"],
    "nul-bytes": ["Acme nul"],
    "huge-guid-and-title": ["Acme huge guid"],
    "json-wrong-types": ["Acme JSON"],
}
"""Sources that are read, with the titles of the articles stored from them."""


def make_app(tmp_path: Path, sources: str) -> App:
    path = tmp_path / "rules.yaml"
    path.write_text(f"sources:\n{sources}{CLAIMS}")
    return build_app(Settings(config=path, database_url=f"sqlite:///{tmp_path / 'm.db'}", notify_urls=[]))


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    crashed = [r.getMessage() for r in caplog.records if r.exc_info or "crashed" in r.getMessage()]
    assert crashed == []
    assert all("\n" not in r.getMessage() for r in caplog.records if r.name.startswith("monitor"))


def test_hostile_feeds_fail_alone_each_with_its_reason(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    corpus = hostile_feeds(secret)
    for name, (body, content_type) in corpus.items():
        server.set(f"/{name}", body=body, content_type=content_type)
    sources = "".join(
        f"  - {{name: {name}, kind: feed, url: '{server.url('/' + name)}'}}\n" for name in corpus
    )
    app = make_app(tmp_path, sources)
    with caplog.at_level(logging.WARNING):
        stats = run_pass(app)

    with app.sessions() as session:
        rows = {row.name: row for row in session.scalars(select(SourceRow))}
        articles = list(session.scalars(select(ArticleRow)))
        keys = {key for (key,) in session.execute(select(SourceItemRow.key))}
        item_errors = {e for (e,) in session.execute(select(SourceItemRow.error)) if e}
    errors = {name: row.last_error for name, row in rows.items() if row.last_error}
    assert set(errors) == set(EXPECTED_ERRORS)
    for name, expected in EXPECTED_ERRORS.items():
        assert (errors[name] or "").startswith(expected), name
        assert any(f"source={name} error=" in r.getMessage() for r in caplog.records)
    titles: dict[str, list[str]] = {}
    for article in articles:
        titles.setdefault(article.source_name, []).append(article.title)
    assert titles == EXPECTED_TITLES
    assert stats.polled == len(corpus) and stats.source_errors == len(EXPECTED_ERRORS)

    assert not any(SECRET in a.text or SECRET in a.title for a in articles)  # no XXE
    assert all(len(key) <= MAX_KEY_LENGTH and "\0" not in key for key in keys)
    assert "guid:n\\x00ul" in keys and "guid:j\\ud800" in keys
    assert any(k.startswith("guid:GGGG") and len(k) == MAX_KEY_LENGTH for k in keys)  # ends in a hash
    assert item_errors == {
        "title longer than 2000 characters (1000005)",
        "link longer than 1000 characters (1000014)",
    }
    problems = [r.getMessage() for r in caplog.records if "(entries still read)" in r.getMessage()]
    assert any(m.startswith("source=truncated-recoverable problem='malformed XML") for m in problems)
    assert any(m.startswith("source=nul-bytes problem='malformed XML") for m in problems)
    no_tracebacks(caplog)


def test_a_character_entity_is_the_one_declaration_a_feed_may_make() -> None:
    body = with_dtd('<!ENTITY nbsp "&#160;">', item("1", "Acme&nbsp;shuts"))
    assert [e.title for e in parse_feed(body, url="http://x.test/").entries] == ["Acme shuts"]


def test_a_feed_of_many_entries_is_read_up_to_the_limit(server: FeedServer) -> None:
    count = MAX_ENTRIES + 500
    server.set("/many", body=feed(*(item(f"m{i}", f"Entry {i}", "t") for i in range(count))).encode())
    with Fetcher(FetchLimits(timeout=5)) as fetcher:
        options = FeedOptions(name="many", kind="feed", url=server.url("/many"))
        poll = options.build(fetcher).poll(SourceState())
    keys = [entry.key for entry in poll.items]
    assert keys[0] == "guid:m0" and len(keys) == MAX_ENTRIES
    assert poll.note == f"{count} entries; only the first {MAX_ENTRIES} are read"


def test_a_full_text_page_with_an_external_entity_does_not_leak(tmp_path: Path, server: FeedServer) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    page = (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<html><body><article><p>&xxe;</p>{f'<p>{CONFIRM} More on the town.</p>' * 5}"
        "</article></body></html>"
    )
    server.set("/page", body=page.encode(), content_type="text/html")
    entry = f"<item><guid>1</guid><title>Acme</title><link>{server.url('/page')}</link></item>"
    server.set("/f", body=feed(entry).encode())
    app = make_app(tmp_path, f"  - {{name: f, kind: feed, url: '{server.url('/f')}', full_text: true}}\n")
    run_pass(app)
    with app.sessions() as session:
        text = session.scalar(select(ArticleRow.text)) or ""
    assert "More on the town" in text and SECRET not in text


# --- the watched folder -------------------------------------------------------------------------------

LONG = "L" * 250
LAUGHS_YAML = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)


def hostile_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.txt").write_text(f"Acme shuts Leeds\n\n{CONFIRM}\n")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "late-nul.txt").write_bytes(b"Acme late\n\n" + b"x" * 9000 + b"\x00")
    (folder / "latin1.txt").write_bytes(
        f"Caf\xe9 Acme\n\n{CONFIRM} Le caf\xe9 a ferm\xe9.\n".encode("cp1252")
    )
    (folder / "utf16.txt").write_bytes(
        codecs.BOM_UTF16_LE + f"Acme UTF-16\n\n{CONFIRM}\n".encode("utf-16-le")
    )
    (folder / "utf16-no-bom.txt").write_bytes(f"Acme no BOM\n\n{CONFIRM}\n".encode("utf-16-le"))
    with open(folder / "giant.txt", "wb") as giant:  # sparse: over the limit without writing 21 MB
        giant.truncate(21 * 1024 * 1024)
    (folder / "new\nline.txt").write_text(f"Acme newline\n\n{CONFIRM}\n")
    (folder / os.fsdecode(b"caf\xe9-bytes.txt")).write_text(f"Acme bytes name\n\n{CONFIRM}\n")
    (folder / "-rf.txt").write_text(f"Acme dash\n\n{CONFIRM}\n")
    deep = folder / LONG / LONG / LONG / LONG
    deep.mkdir(parents=True)
    (deep / f"{LONG}.json").write_text(json.dumps({"title": "Acme deep", "text": CONFIRM}))
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dir.txt").mkdir()
    (folder / "dir.txt" / "inner.txt").write_text(f"Acme inner\n\n{CONFIRM}\n")
    (folder / "bomb.md").write_text(f"---\n{LAUGHS_YAML}title: *a8\n---\nAcme\n\nbody\n")
    (folder / "huge-title.json").write_text(json.dumps({"title": "T" * 5000, "text": CONFIRM}))


FOLDER_FAILURES = {
    "binary.txt": "binary file (contains NUL bytes; UTF-16 text needs a byte order mark)",
    "late-nul.txt": "binary file (contains NUL bytes; UTF-16 text needs a byte order mark)",
    "utf16-no-bom.txt": "binary file (contains NUL bytes; UTF-16 text needs a byte order mark)",
    "giant.txt": f"file too large ({21 * 1024 * 1024} bytes; limit {20 * 1024 * 1024})",
    "pipe.txt": "not a regular file: a FIFO (named pipe)",
    "loop.txt": "cannot read file: Too many levels of symbolic links",
    "bomb.md": "invalid front matter (line 6): invalid YAML: its anchors and aliases stand for more "
    "than 100000 values",
    "huge-title.json": "title longer than 2000 characters (5000)",
}
FOLDER_TITLES = {
    "Acme shuts Leeds",
    "Café Acme",
    "Acme UTF-16",
    "Acme newline",
    "Acme bytes name",
    "Acme dash",
    "Acme deep",
    "Acme inner",
}


def test_hostile_files_and_names_in_a_watched_folder(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    hostile_folder(tmp_path / "inbox")
    server.set("/ok", body=feed(item("ok", "Acme in the feed")).encode())
    sources = "  - {name: inbox, kind: folder, path: inbox}\n"
    sources += f"  - {{name: ok, kind: feed, url: '{server.url('/ok')}'}}\n"
    app = make_app(tmp_path, sources)
    with caplog.at_level(logging.WARNING):
        stats = run_pass(app)
    skipped = {
        r.args[1]: r.args[2]  # type: ignore[index]
        for r in caplog.records
        if r.msg == "source=%s item=%s skipped: %s"
    }
    assert skipped == FOLDER_FAILURES
    assert stats.failed == len(FOLDER_FAILURES) and stats.source_errors == 0
    with app.sessions() as session:
        stored = {(a.source_name, a.title): a.source_key for a in session.scalars(select(ArticleRow))}
    assert {title for source, title in stored if source == "inbox"} == FOLDER_TITLES
    assert ("ok", "Acme in the feed") in stored
    assert stored["inbox", "Acme newline"] == "new\\x0aline.txt"
    assert stored["inbox", "Acme bytes name"] == "caf\\xe9-bytes.txt"
    assert stored["inbox", "Acme inner"] == "dir.txt/inner.txt"
    deep_key = stored["inbox", "Acme deep"]
    assert deep_key.startswith(f"{LONG}/{LONG}/") and len(deep_key) <= MAX_KEY_LENGTH
    no_tracebacks(caplog)


def test_an_oversized_file_is_reported_once_and_again_only_when_it_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "inbox").mkdir()
    giant = tmp_path / "inbox" / "giant.txt"
    with open(giant, "wb") as file:  # sparse: over the limit without writing 21 MB
        file.truncate(21 * 1024 * 1024)
    app = make_app(tmp_path, "  - {name: inbox, kind: folder, path: inbox}\n")
    try:
        reports = []
        for grow in (0, 0, 1):
            if grow:
                with open(giant, "ab") as file:
                    file.write(b"x")
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                stats = run_pass(app)
            reports.append(
                (stats.failed, stats.unchanged, sum("giant.txt" in r.getMessage() for r in caplog.records))
            )
        assert reports == [(1, 0, 1), (0, 1, 0), (1, 0, 1)]
    finally:
        app.close()


def test_a_file_that_vanishes_mid_scan_is_a_failure_and_the_scan_goes_on(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"{name}\n\nbody\n")
    items = iter(FolderOptions(name="f", kind="folder", path=tmp_path).build().poll(SourceState()).items)
    first = next(items)  # the folder is listed now
    (tmp_path / "b.txt").unlink()
    rest = list(items)
    assert isinstance(first, Item) and first.key == "a.txt"
    assert rest[0] == Failure("b.txt", "cannot read file: No such file or directory")
    assert isinstance(rest[1], Item) and rest[1].key == "c.txt"


def test_a_file_keyed_by_a_hash_is_still_read_by_its_suffix(tmp_path: Path) -> None:
    name = "J" * 250
    path = tmp_path / name / name / name / name / f"{name}.json"
    path.parent.mkdir(parents=True)
    path.write_text("[]")
    (entry,) = FolderOptions(name="f", kind="folder", path=tmp_path).build().poll(SourceState()).items
    assert isinstance(entry, Item) and not entry.key.endswith(".json")
    with pytest.raises(UnreadableItem, match="JSON list is empty"):
        entry.read()


# --- rules files --------------------------------------------------------------------------------------

NASTY = [
    *":-[]{}#&*!|>'\"%@`,?\n\t\\ ",
    *("\x00", "\x85", "\ufeff", "\u2028", "!!python/object:os.system ", "!!binary ", "!!set ", "<<: "),
    *("*a", "&a ", "---\n", "...", "~", "1e999", "9" * 5000, "2024-13-45", ".nan", ".inf", "${X}"),
    *("[" * 200, "{a: " * 200, "  ", "\n  - ", "kind: feed", "kind: folder", "interval: ", "url: "),
]


@st.composite
def mutated_rules(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from([GOOD, GOOD.replace("folder", "feed\n    url: http://x.test/f")]))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "copy"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(NASTY) | st.text(max_size=5)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            start = draw(st.integers(0, len(text)))
            text = text[:at] + text[start : start + draw(st.integers(1, 60))] + text[at:]
    return text


def load_or_config_error(path: Path) -> None:
    """Loads, or raises ConfigError whose every line names the file and the line (and the key, for
    anything that is not a YAML syntax error): nothing else may escape."""
    try:
        load_rules(path)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == path and problem.line is not None, str(problem)
            assert str(problem).startswith(f"{path}:{problem.line}: ")
            whole = ("invalid YAML", "not UTF-8", "the rules file must be", "the rules file is empty")
            syntax = problem.message.startswith(whole)
            assert problem.key or syntax, str(problem)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_rules())
def test_mutated_rules_files_load_or_say_file_line_and_key(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_or_config_error(path)


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_as_rules_load_or_say_file_and_line(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_bytes(data)
    load_or_config_error(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("claims: " + "[" * 5000 + "]" * 5000, ":1: invalid YAML: nested more than 100 levels deep"),
        (
            LAUGHS_YAML + "claims: *a8\n",
            ":5: invalid YAML: its anchors and aliases stand for more than 100000",
        ),
        ("polling: {workers: " + "9" * 5000 + "}\n", ":1: invalid YAML: cannot read the value '99999"),
        (
            "claims:\n  - id: 2024-13-45\n",
            ":2: invalid YAML: cannot read the value '2024-13-45': month must be",
        ),
        ("claims: [\x00]\n", ":1: invalid YAML: character U+0000 is not allowed in YAML"),
        (
            "claims: !!python/object/apply:os.system [ls]\n",
            ":1: invalid YAML: could not determine a constructor",
        ),
        (
            "sources:\n  - {name: a, kind: folder, path: x, interval: .nan}\n",
            ":2: sources[0].interval: Value error, expected",
        ),
        (
            "sources:\n  - {name: a, kind: folder, path: x, interval: 100000000000000000000}\n",
            ":2: sources[0].interval: Value error, must be at most",
        ),
        ("polling:\n  timeout: .inf\n", ":2: polling.timeout: Value error, must be at most ten years"),
    ],
)
def test_hostile_rules_files_are_clear_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}{expected}")


def test_a_rules_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"sources: []\nclaims: [caf\xe9]\n")
    with pytest.raises(ConfigError, match=r"rules.yaml:2: not UTF-8 text: byte 0xe9 cannot be decoded"):
        load_rules(path)
