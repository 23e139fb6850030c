"""Feed bodies become entries: RSS 0.91/1.0/2.0, Atom, JSON Feed, and the broken feeds the web serves."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.ingest import feed_entries
from monitor.ingest.feed_entries import FeedEntry, FeedError, ParsedFeed, html_to_text, parse_feed

FEEDS = Path(__file__).parent / "data" / "feeds"


def read(
    name: str, *, url: str = "https://news.example/feeds/main.xml", content_type: str | None = None
) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), url=url, content_type=content_type)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


# --- RSS 2.0 ------------------------------------------------------------------------------------------


def test_rss2_full_content_entry_reads_every_field() -> None:
    feed = read("rss2.xml", url="https://gazette.example/feeds/all.rss", content_type="application/rss+xml")

    assert feed.title == "Harbour Gazette"
    assert feed.problem is None
    assert feed.entries[0] == FeedEntry(
        guid="gazette-4411",
        link="https://gazette.example/news/2024/lighthouse-watch",
        title="Lighthouse keepers vote to extend the night watch",
        text=(
            "The keepers' guild voted on Tuesday to extend the night watch.\n\n"
            "The new rota starts in November, the guild said."
        ),
        summary_only=False,
        published=utc(2024, 10, 15, 16, 30),
        author="Mira Okafor",
    )


def test_rss2_description_only_entry_is_summary_only() -> None:
    entry = read("rss2.xml").entries[1]

    assert entry.guid == "https://gazette.example/news/2024/ferry-winter"
    assert entry.link == "https://gazette.example/news/2024/ferry-winter"
    assert (
        entry.text == "The morning ferry will leave at 7:40 from November.\n\nEvening sailings are unchanged."
    )
    assert entry.summary_only is True
    assert entry.published == utc(2024, 10, 14, 7, 5)


def test_rss_author_email_with_long_top_level_domain_gives_the_name() -> None:
    # feedparser's own author_detail turns "desk@gazette.example (Tomas Lind)" into "ple (Tomas Lind".
    assert read("rss2.xml").entries[1].author == "Tomas Lind"


def test_relative_link_resolves_against_the_feed_url() -> None:
    entry = read("rss2.xml", url="https://mirror.example/gazette/rss").entries[0]

    assert entry.link == "https://mirror.example/news/2024/lighthouse-watch"


def test_permalink_guid_is_kept_as_written_whatever_the_feed_url() -> None:
    # A <guid> without isPermaLink="false" is a permalink to feedparser, which would resolve it against
    # the feed URL; the GUID must stay stable when the feed moves.
    first = read("entities.xml", url="https://maps.example/rss").entries[0]
    moved = read("entities.xml", url="https://cdn.example/maps/feed.xml").entries[0]

    assert first.guid == moved.guid == "maps-7"


# --- RSS 1.0 and 0.91 ---------------------------------------------------------------------------------


def test_rss1_rdf_reads_about_as_guid_and_dc_date_in_utc() -> None:
    feed = read("rss1-rdf.xml")

    assert feed.title == "Valley Observatory Bulletin"
    assert feed.entries == [
        FeedEntry(
            guid="https://observatory.example/notes/comet-brightens",
            link="https://observatory.example/notes/comet-brightens",
            title="Comet Halvard brightens ahead of schedule",
            text="Observers report the comet is now visible with binoculars.",
            summary_only=True,
            published=utc(2024, 9, 4, 2, 15),
            author="Ines Vaughn",
        )
    ]


def test_rss091_without_guid_or_date() -> None:
    feed = read("rss091.xml")

    assert feed.title == "Orchard Cooperative News"
    assert feed.entries == [
        FeedEntry(
            guid=None,
            link="https://orchard.example/news/harvest-estimate",
            title="Apple harvest estimate raised",
            text="The cooperative now expects 40 tonnes more than in spring.",
            summary_only=True,
            published=None,
            author=None,
        )
    ]


# --- Atom ---------------------------------------------------------------------------------------------


def test_atom_entry_prefers_content_and_published() -> None:
    entry = read("atom.xml").entries[0]

    assert entry == FeedEntry(
        guid="tag:rail.example,2024:post-88",
        link="https://rail.example/blog/posts/tunnel-reopens",  # relative to xml:base
        title="Tunnel reopens after repairs",  # type="html": the <em> is dropped
        text=(
            "Open again\n\nThe Brenn tunnel reopened on Friday.\n\n"
            "Trains run hourly\n\nFreight resumes Monday"
        ),
        summary_only=False,
        published=utc(2024, 11, 1, 15, 0),
        author="Jon Aske",
    )


def test_atom_summary_only_entry_uses_updated_and_inherits_the_feed_author() -> None:
    feed = read("atom.xml")

    assert feed.title == "Mountain Rail Dispatch"
    assert feed.entries[1] == FeedEntry(
        guid="tag:rail.example,2024:post-87",
        link="https://rail.example/blog/posts/consultation",
        title="New timetable consultation",
        text="Comments are open until 30 November.",
        summary_only=True,
        published=utc(2024, 10, 28, 8, 0),
        author="Dispatch Desk",
    )


def test_atom_plain_text_content_keeps_its_characters() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <entry><id>urn:x:1</id><title>Plain</title>
        <content type="text">Rates &lt;b&gt; are &amp; stay
        low.

        Second paragraph.</content></entry></feed>"""

    entry = parse_feed(body, url="https://x.example/atom").entries[0]

    assert entry.text == "Rates <b> are & stay low.\n\nSecond paragraph."
    assert entry.summary_only is False


# --- JSON Feed ----------------------------------------------------------------------------------------


def test_json_feed_full_content_item() -> None:
    feed = read("feed.json", url="https://glacier.example/feed.json")

    assert feed.title == "Glacier Research Notes"
    assert feed.problem is None
    assert feed.entries[0] == FeedEntry(
        guid="note-12",
        link="https://glacier.example/notes/12-meltwater",
        title="Meltwater lake doubles in size",
        text=(
            "The meltwater lake below the north glacier has doubled since June.\n\n"
            "Drainage is expected in autumn."
        ),
        summary_only=False,
        published=utc(2024, 8, 20, 12, 0),
        author="Dr. Sana Ruiz",
    )


def test_json_feed_summary_item_uses_external_url_date_modified_and_feed_author() -> None:
    entry = read("feed.json").entries[1]

    assert entry == FeedEntry(
        guid="note-11",
        link="https://news.example/glacier-survey",
        title="Survey flight completed",
        text="The drone survey of the east face is complete.",
        summary_only=True,
        published=utc(2024, 8, 18, 9, 0),
        author="Field Team",
    )


def test_json_feed_numeric_id_content_text_and_unreadable_date() -> None:
    entry = read("feed.json").entries[2]

    assert entry.guid == "10"
    assert entry.title == ""
    assert entry.text == "Stake readings were taken at all twelve points.\n\nTwo stakes had melted out."
    assert entry.summary_only is False
    assert entry.published is None


@pytest.mark.parametrize(
    "content_type", [None, "application/feed+json", "application/json; charset=utf-8", "text/plain"]
)
def test_json_feed_is_recognised_by_content_type_or_version(content_type: str | None) -> None:
    assert len(read("feed.json", content_type=content_type).entries) == 3


def test_json_feed_1_0_author_object_and_feed_content_type_without_version() -> None:
    v1 = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": "a", "content_text": "Hi.",'
    v1 += b' "author": {"name": "Old Style"}}]}'
    unversioned = b'{"items": [{"id": "b", "title": "Untagged"}]}'

    assert parse_feed(v1, url="https://j.example/").entries[0].author == "Old Style"
    typed = parse_feed(unversioned, url="https://j.example/", content_type="application/feed+json")
    assert typed.entries[0].title == "Untagged"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b'{"title": "settings"}', None, "not a feed: a JSON document without a JSON Feed version"),
        (b'{"items": []', "application/json", "not a feed: invalid JSON at line 1, column 13: Expecting"),
        (b"[1, 2]", "application/json", "not a feed: a JSON document that is not an object"),
    ],
)
def test_json_that_is_not_a_json_feed_is_refused(body: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(FeedError, match="^" + reason.replace("[", r"\[")):
        parse_feed(body, url="https://j.example/", content_type=content_type)


def test_xml_feed_mislabelled_as_json_is_still_read() -> None:
    assert (
        read("atom.xml", content_type="application/json").entries[0].guid == "tag:rail.example,2024:post-88"
    )


# --- broken feeds -------------------------------------------------------------------------------------


def test_malformed_feed_keeps_recovered_entries_and_reports_the_problem() -> None:
    feed = read("malformed.xml")

    # The unescaped "&" on line 6 stops the strict parser; feedparser's loose parser reads both items,
    # including the one with the mismatched </title></b>.
    assert feed.problem == "malformed XML: not well-formed (invalid token) (line 6)"
    assert feed.title == "Market Square Weekly"
    assert [(e.guid, e.title, e.text) for e in feed.entries] == [
        ("square-101", "Cheese & bread fair returns", "The fair returns to the square on Saturday."),
        ("square-102", "Fountain restored", "The old fountain runs again after forty years."),
    ]
    assert feed.entries[0].published == utc(2024, 10, 5, 9, 0)


def test_truncated_feed_keeps_the_complete_item_and_the_cut_item_without_text() -> None:
    feed = read("truncated.xml")

    assert feed.problem == "malformed XML: no element found (line 18)"
    assert feed.entries == [
        FeedEntry(
            guid="river-501",
            link="https://river.example/alerts/501",
            title="Esk at Millbridge above warning level",
            text="The gauge at Millbridge read 2.4 metres at dawn.",
            summary_only=True,
            published=utc(2024, 10, 9, 5, 45),
            author=None,
        ),
        # Cut inside <description>: the loose parser keeps the elements that were closed.
        FeedEntry(
            guid="river-500",
            link="https://river.example/alerts/500",
            title="Esk at Kelby falling",
            text="",
            summary_only=True,
            published=None,
            author=None,
        ),
    ]


def test_malformed_feed_with_no_entries_is_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><item><title>Half'

    with pytest.raises(
        FeedError, match=r"^malformed XML: no element found \(line 1\); no entries could be read$"
    ):
        parse_feed(body, url="https://cut.example/rss")


def test_undeclared_namespace_prefix_is_a_problem_not_a_failure() -> None:
    body = b'<rss version="2.0"><channel><item><title>A</title>\n<dc:creator>Bo</dc:creator></item>'
    body += b"</channel></rss>"

    feed = parse_feed(body, url="https://ns.example/rss")

    assert feed.problem == "malformed XML: unbound prefix (line 2)"
    assert [e.title for e in feed.entries] == ["A"]


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8"])
def test_html_page_is_not_a_feed(content_type: str | None) -> None:
    with pytest.raises(FeedError, match=r"^not a feed: an HTML page$"):
        read("not-a-feed.html", content_type=content_type)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b" \n\t ", "empty body"),
        (b"\xef\xbb\xbf\n", "empty body"),
        (b"<config><debug>true</debug></config>", "not a feed: no RSS, Atom or RDF root element"),
        (b"just some words", "not a feed: malformed XML: syntax error (line 1)"),
    ],
)
def test_bodies_that_are_not_feeds_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed(body, url="https://x.example/feed")

    assert str(raised.value) == reason


def test_a_body_naming_a_local_file_is_not_read_from_disk(tmp_path: Path) -> None:
    # feedparser.parse(bytes) opens the bytes as a file name when such a file exists.
    local = tmp_path / "secret.xml"
    local.write_bytes((FEEDS / "rss091.xml").read_bytes())

    with pytest.raises(FeedError, match=r"^not a feed"):
        parse_feed(str(local).encode(), url="https://x.example/feed")


# --- valid edge cases ---------------------------------------------------------------------------------


def test_empty_channel_is_a_valid_feed_with_no_entries() -> None:
    assert read("empty-channel.xml") == ParsedFeed(title="Quiet Parish Newsletter", entries=[], problem=None)


def test_entities_and_cdata_in_titles_and_descriptions() -> None:
    feed = read("entities.xml")

    assert feed.title == "Cartographers & Surveyors Journal"
    assert [(e.title, e.text) for e in feed.entries] == [
        (
            'Coastline map "Tide & Shore" wins award',
            "The map of the north coast — drawn by hand – won the guild’s prize.\n\nIt took 3 < 4 years.",
        ),
        ("Café survey: 5 > 3 & other findings", "Surveyors mapped every café in the old town."),
    ]


@pytest.mark.parametrize(
    "content_type", [None, "text/xml", "application/rss+xml", "application/rss+xml; charset=utf-8"]
)
def test_iso_8859_1_feed_is_decoded_whatever_the_http_header_says(content_type: str | None) -> None:
    feed = read("non-utf8.xml", content_type=content_type)

    assert feed.problem is None
    assert feed.title == "Bulletin de la Vallée"
    assert [(e.guid, e.title, e.text, e.published) for e in feed.entries] == [
        (
            "vallee-31",
            "Fête du fromage à Sérac",
            "Les producteurs de Sérac exposent leurs meules été comme hiver.",
            utc(2024, 9, 22, 10, 0),
        )
    ]


def test_items_without_guid_are_kept_and_empty_items_skipped() -> None:
    feed = read("no-guid.xml")

    assert feed.entries == [
        FeedEntry(
            guid=None,
            link="https://bees.example/posts/swarm-season",
            title="",
            text="",
            summary_only=True,
            published=None,
            author=None,
        ),
        FeedEntry(
            guid=None,
            link=None,
            title="Queen rearing workshop",
            text="Places remain for the spring workshop.",
            summary_only=True,
            published=None,
            author=None,
        ),
    ]


def test_every_fixture_date_is_timezone_aware_utc() -> None:
    dates = [
        entry.published
        for name in ("rss2.xml", "rss1-rdf.xml", "atom.xml", "feed.json", "malformed.xml", "non-utf8.xml")
        for entry in read(name).entries
        if entry.published is not None
    ]

    assert len(dates) == 9
    assert all(d.tzinfo is UTC for d in dates)


def test_importing_the_module_does_not_import_feedparser_or_lxml() -> None:
    code = "import sys, monitor.ingest.feed_entries; print(sorted({'feedparser', 'lxml'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


# --- html_to_text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        ("   ", ""),
        ("<!-- only a comment -->", ""),
        ("Hello <b>world</b>!", "Hello world!"),
        ("<p>one</p>\n<p>two</p>", "one\n\ntwo"),
        ("<div><p>nested</p></div><div>next</div>", "nested\n\nnext"),
        ("<h2>Head</h2>text<blockquote>quote</blockquote>after", "Head\n\ntext\n\nquote\n\nafter"),
        ("a<br>b<br><br>c", "a\nb\n\nc"),
        ("<ul><li>first</li><li>second</li></ul>", "first\n\nsecond"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"),
        ("<script>track()</script><style>p{}</style>Keep<noscript>off</noscript> me", "Keep me"),
        ("a &amp; b &lt;c&gt;&nbsp;d &#8217; &mdash;", "a & b <c> d ’ —"),
        ("3 < 4 and <b>5</b> > 2", "3 < 4 and 5 > 2"),
        ("<pre>x = 1\ny = 2</pre>after", "x = 1\ny = 2\n\nafter"),
        ('<?xml version="1.0" encoding="utf-8"?><p>declared</p>', "declared"),
        ("<html><head><title>Page</title></head><body><p>Body</p></body></html>", "Body"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("in<!-- x -->line", "inline"),
        ("nul\x00byte<p>next</p>", "nulbyte\n\nnext"),
        (
            "Plain line one\nwrapped here.\n\n  Second   paragraph.  ",
            "Plain line one wrapped here.\n\nSecond paragraph.",
        ),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_to_text_never_raises_when_the_parser_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html_text: str) -> str:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(feed_entries, "_walk_html", broken)

    assert html_to_text("<p>Rain &amp; wind</p>\n\n<p>Later <i>sun</i></p>") == "Rain & wind\n\nLater sun"


def test_html_to_text_keeps_text_nested_deeper_than_the_parser_reads() -> None:
    # libxml2 drops everything below depth 256; the crude fallback keeps it.
    deep = "<p>top</p>" + "<span>" * 300 + "bottom" + "</span>" * 300 + "<p>end</p>"

    assert html_to_text(deep) == "top\n\nbottom\n\nend"


def test_html_to_text_reads_long_input() -> None:
    assert html_to_text("<p>" + "word " * 100_000 + "</p>") == " ".join(["word"] * 100_000)
