"""From raw document to article: dates, outlet and title, as the rules in monitor.ingest.article describe."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.domain import RawDocument
from monitor.ingest.article import outlet_in_text, to_article

SEEN = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def raw(text: str, **kw: object) -> RawDocument:
    fields: dict[str, object] = {"source": "s", "key": "k", "content_hash": "h", "title": "T", "text": text}
    fields |= {"observed": SEEN} | kw
    return RawDocument(**fields)  # type: ignore[arg-type]


def test_outlet_from_a_reports_line_near_the_top() -> None:
    assert (
        outlet_in_text("This was said by the minister, Example.NET reports citing Wire-Agency.")
        == "Example.NET"
    )
    assert outlet_in_text("Kyiv\nThe deal is off. Daily Planet reports.") == "Daily Planet"
    assert outlet_in_text("The media reports that troops moved.") is None
    assert outlet_in_text("x" * 700 + ". Late Times reports.") is None


def test_an_outlet_given_by_the_source_wins() -> None:
    assert to_article(raw("Said so, Some Wire reports.", outlet="Given")).outlet == "Given"
    assert to_article(raw("Said so, Some Wire reports.")).outlet == "Some Wire"


def test_dates_in_order_of_trust() -> None:
    given = to_article(
        raw("On 1 May 2020 it began.", published=datetime(2021, 1, 1, tzinfo=UTC), date_origin="marker")
    )
    assert (given.published.year, given.published_estimated, given.date_origin) == (2021, False, "marker")
    from_text = to_article(raw("On 1 May 2020 it began."))
    assert (from_text.published, from_text.published_estimated) == (datetime(2020, 5, 1, tzinfo=UTC), True)
    # a day without a year: the file time's year (the year before, as 1 May would come after it), marked so
    yearless = to_article(raw("On May 1 it began."))
    assert (yearless.published, yearless.published_estimated, yearless.date_origin) == (
        datetime(2025, 5, 1, tzinfo=UTC),
        True,
        "text, year from file time",
    )
    fallback = to_article(raw("It began."))
    assert (fallback.published, fallback.date_origin) == (SEEN, "file time")


def test_the_text_starts_with_the_title_so_offsets_cover_it() -> None:
    article = to_article(raw("Body."))
    assert article.text == "T\n\nBody."
