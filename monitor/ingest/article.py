"""Turn a source's raw document into an Article with a publication date and a note of where it came from."""

from __future__ import annotations

import re

from monitor.domain import Article, RawDocument
from monitor.ingest.dates import YEAR_FROM_FILE_TIME, as_utc, estimate_date

FILE_TIME = "file time"
"""The `date_origin` of an article dated by its file's modification time: nothing else dated it."""


GUESSED_YEAR = (FILE_TIME, YEAR_FROM_FILE_TIME)
"""The `date_origin`s of an article whose year is a guess from its file time (its date is the file time,
or a day its text gives without a year, in the file time's year)."""


def year_is_guess(date_origin: str) -> bool:
    """Whether an article's year is a guess from its file time (`GUESSED_YEAR`)."""
    return date_origin in GUESSED_YEAR


def to_article(raw: RawDocument) -> Article:
    """Build the Article. Date order: the document's own date, else the latest past date its text gives
    (`monitor.ingest.dates.estimate_date`: a full date, or a reporting day without a year, "On October
    18, ..."), else the file time; the last two are marked as estimated, and `date_origin` says how."""
    if raw.published is not None:
        published, estimated, origin = as_utc(raw.published), False, raw.date_origin
    else:
        observed = as_utc(raw.observed)
        from_text = estimate_date(f"{raw.title}\n{raw.text}", observed)
        if from_text is not None:
            (published, origin), estimated = from_text, True
        else:
            published, estimated, origin = observed, True, FILE_TIME
    text = f"{raw.title}\n\n{raw.text}" if raw.text else raw.title
    outlet = raw.outlet or outlet_in_text(raw.text)
    return Article(
        source=raw.source,
        key=raw.key,
        content_hash=raw.content_hash,
        title=raw.title,
        text=text,
        published=published,
        published_estimated=estimated,
        date_origin=origin,
        url=raw.url,
        outlet=outlet,
        author=raw.author,
    )


_REPORTS = re.compile(
    r"(?:^|[,.;]\s+)(?!(?:The|It|He|She|They|We|This|That|Media|Sources?|Officials|Experts|Analysts|"
    r"Witnesses|Residents|Reports?)\b)([A-Z][\w.&-]*(?:\s[A-Z][\w.&-]*){0,2})"
    r"(?: reports\b| (?:reported|writes|wrote)(?=\s*(?:[.;]|$|\s(?:citing|quoting|with reference)\b)))",
    re.MULTILINE,
)
OUTLET_WINDOW = 600
"""How far into the body the "..., Outlet reports." attribution of a news agency is looked for."""


def outlet_in_text(body: str) -> str | None:
    """The outlet a text names as its own near the top ("..., Censor.NET reports.", "..., UNN reports
    citing Interfax", "..., Harbour Post reported." or "writes."), a common wire and portal convention;
    None when there is no such line. "reported"/"writes" count only where they close the sentence or
    open a "citing ..." (", Zelenskyy reported that ..." names a speaker, not an outlet). Used only
    when the source gives no outlet."""
    match = _REPORTS.search(body[:OUTLET_WINDOW])
    return match.group(1) if match else None
