"""When a statement was made: a date in its sentence counts only when it is a past reporting date, never
a plan's or a deadline's; no statement is dated after its article; an article without a date of its own
is dated by the days its text gives, the year from the text, its story or the statements it repeats."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.domain import ClaimStatus, RawDocument, Stance
from monitor.ingest.article import to_article
from monitor.ingest.dates import YEAR_FROM_FILE_TIME, YEAR_FROM_TEXT, day_in_sentence
from monitor.ledger.claim_ledger import Policy, replay
from monitor.ledger.statements import LedgerEntry

C, X = Stance.CONFIRM, Stance.CONTRADICT
NOV_7 = datetime(2024, 11, 7, 15, 30, tzinfo=UTC)
COPIED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the file time of an article copied two years later
POLICY = Policy(confirm_sources=2, refute_sources=2)
_ids = iter(range(1, 10**6))


def day(d: int, month: int, year: int = 2024) -> datetime:
    return datetime(year, month, d, tzinfo=UTC)


def entry(stance: Stance, speaker: str, sentence: str, published: datetime, **kw: object) -> LedgerEntry:
    n = next(_ids)
    fields: dict[str, object] = {
        "evidence_id": n,
        "article_id": kw.pop("article_id", n),
        "article_key": f"a{n}",
        "stance": stance,
        "confidence": 0.85,
        "sentence": sentence,
        "start": n,
        "speaker": speaker,
        "via": None,
        "outlet": "Lorvale Courier",
        "article_outlet": "Lorvale Courier",
        "published": published,
        "estimated": False,
    }
    return LedgerEntry(**(fields | kw))  # type: ignore[arg-type]


def plain(names: Iterable[str]) -> Mapping[str, str]:
    return {n: n.casefold() for n in names}


def raw(title: str, text: str) -> RawDocument:
    return RawDocument(source="s", key="k", content_hash="h", title=title, text=text, observed=COPIED)


@pytest.mark.parametrize(
    "sentence",
    [
        "Adaeze Okonkwo will be sworn in as governor of Lorvale on January 2.",
        "The handover to Okonkwo is due to take place on 2 January, the commission said.",
        "The inauguration, scheduled for January 2, will be held in Port Senna.",
        "The tribunal set a deadline of January 2 for petitions, the rival camp said.",
        "Petitions against Okonkwo's win can be filed until January 2.",
        "On January 2, Okonkwo will take the oath of office in Port Senna.",
    ],
)
def test_a_plan_or_deadline_never_dates_a_statement(sentence: str) -> None:
    assert day_in_sentence(sentence, NOV_7) is None
    assert entry(C, "Lorvale Electoral Board", sentence, NOV_7).said_at == NOV_7


@pytest.mark.parametrize(
    ("sentence", "said"),
    [
        ("On November 4, the Lorvale Electoral Board declared Okonkwo the winner.", day(4, 11)),
        ("The board said on 5 November that Okonkwo had won 52 percent of the vote.", day(5, 11)),
        # the first date is a plan's; the one tied to "said" is when it was said
        ("Okonkwo, who takes office on January 2, said on November 6 that she had won.", day(6, 11)),
        ("Okonkwo's victory, the board confirmed on November 5, 2024, stands.", day(5, 11)),
    ],
)
def test_a_past_reporting_date_dates_the_statement(sentence: str, said: datetime) -> None:
    assert entry(C, "Lorvale Electoral Board", sentence, NOV_7).said_at == said


def test_a_plan_date_does_not_move_the_claims_status() -> None:
    """The rival party disputed the result on 3 November; the board and the governor's office confirmed it
    on 5 and 7 November. A 7 November line about the swearing-in on 2 January is no statement of 2 January
    (ten months before the election): the claim is contested from 3 November, then confirmed."""
    entries = [
        entry(X, "Harbour Party", "The Harbour Party said Okonkwo did not win the election.", day(3, 11)),
        entry(C, "Lorvale Electoral Board", "The board confirmed that Okonkwo won the election.", day(5, 11)),
        entry(
            C,
            "Governor's Office",
            "Okonkwo, who won the election, will be sworn in as governor on January 2, the office said.",
            NOV_7,
        ),
    ]
    ledger = replay(entries, POLICY, plain)
    assert [s.said_at.date() for s in ledger.statements] == [
        d.date() for d in (day(3, 11), day(5, 11), NOV_7)
    ]
    statuses = [(e.at.date(), e.status) for e in ledger.events if e.status is not None]
    assert statuses == [(day(3, 11).date(), ClaimStatus.CONTESTED), (NOV_7.date(), ClaimStatus.CONFIRMED)]
    assert ledger.status is ClaimStatus.CONFIRMED


def test_no_statement_is_dated_after_its_article() -> None:
    sentences = [
        "On December 30, the outgoing governor said he accepted the result.",  # the year before
        "On 12 November 2024 the board said the count was final.",  # written after the article
        "The board said on 9 November that the count was final.",
        "Okonkwo said on 7 November that she would serve all of Lorvale.",
    ]
    for sentence in sentences:
        said = entry(C, "Lorvale Electoral Board", sentence, NOV_7).said_at
        assert said <= NOV_7, sentence
    dec_30 = entry(C, "Governor", sentences[0], datetime(2025, 1, 3, tzinfo=UTC)).said_at
    assert dec_30 == day(30, 12)


def test_an_undated_article_takes_its_latest_reporting_day_with_the_year_of_a_full_date_in_its_text() -> None:
    article = to_article(
        raw(
            "Port Senna council backs ferry deal",
            "The ferry contract, signed on 30 September 2023, runs for ten years. "
            "On October 9, the council's finance chair Tomas Ilunga said the fares would stay frozen. "
            "The next review will take place on November 20.",
        )
    )
    assert article.published == day(9, 10, 2023)
    assert (article.published_estimated, article.date_origin) == (True, YEAR_FROM_TEXT)


def test_an_undated_articles_year_comes_from_the_dated_statements_it_repeats() -> None:
    """An article copied in 2026 says "On October 21, ..." and nothing else dates it: its own guess is
    21 October 2026. It repeats the board's dated statement of 20 October 2024, so it is 2024."""
    article = to_article(
        raw(
            "Lorvale count",
            "On October 21, the Lorvale Electoral Board said the recount confirmed Okonkwo won the vote. "
            "Observers from three countries watched the count.",
        )
    )
    assert (article.published, article.date_origin) == (day(21, 10, 2026), YEAR_FROM_FILE_TIME)
    dated = entry(
        C,
        "Lorvale Electoral Board",
        "The recount confirmed Okonkwo won the vote, the board said.",
        day(20, 10),
    )
    sentences = [
        "On October 21, the Lorvale Electoral Board said the recount confirmed Okonkwo won the vote.",
        "The board said the recount confirmed that Okonkwo won the vote.",
    ]
    undated = [
        entry(
            C,
            "Lorvale Electoral Board",
            s,
            article.published,
            article_id=900,
            date_origin=article.date_origin,
        )
        for s in sentences
    ]
    ledger = replay([dated, *undated], POLICY, plain)
    placed = {e.sentence: e for e in ledger.entries if e.article_id == 900}
    assert [placed[s].said_at for s in sentences] == [day(21, 10), day(21, 10)]
    assert all(placed[s].date_estimated for s in sentences)
    assert "repeats" in placed[sentences[1]].date_note
    assert all(s.said_at.year == 2024 for s in ledger.statements)


def test_an_undated_articles_year_comes_from_its_story() -> None:
    """A rewrite, copied in 2026, of a story first published on 2 March 2023: its "On March 1" is 2023."""
    sentence = "On March 1, the Harbour Party conceded that Okonkwo won the by-election."
    guessed = day(1, 3, 2026)
    alone = entry(C, "Harbour Party", sentence, guessed, date_origin=YEAR_FROM_FILE_TIME)
    in_story = entry(
        C, "Harbour Party", sentence, guessed, date_origin=YEAR_FROM_FILE_TIME, story_date=day(2, 3, 2023)
    )
    assert replay([alone], POLICY, plain).entries[0].said_at == guessed  # nothing better: the guess, marked
    assert replay([alone], POLICY, plain).entries[0].date_estimated
    placed = replay([in_story], POLICY, plain).entries[0]
    assert (placed.said_at, placed.date_estimated) == (day(1, 3, 2023), True)
    assert "story" in placed.date_note


RULES = """
sources:
  - name: desk
    kind: folder
    path: ../desk
claims:
  - id: okonkwo-won
    claim: Adaeze Okonkwo won the Lorvale governor election
    entities: [Okonkwo]
    keywords: [won, winner, victory, election]
stance:
  kind: rules
"""
FIRST = (
    "date 2024-03-02 Harbour Party concedes Lorvale race\n\n"
    "The Harbour Party has accepted the result of the Lorvale governor election after a week of recounts "
    "in the coastal districts. On March 1, the Harbour Party conceded that Okonkwo won the election by "
    "about eleven thousand votes. Turnout in Port Senna and the river towns reached sixty percent, the "
    "highest since the province was created, and observers reported no serious irregularities.\n"
)
REWRITE = (
    "Lorvale race over as rival concedes\n\n"
    "The Harbour Party has accepted the result of the Lorvale governor election after a week of recounts "
    "in the coastal districts. On March 1, the Harbour Party conceded that Okonkwo won the election by "
    "about eleven thousand votes. Turnout in Port Senna and the river towns reached sixty percent, the "
    "highest since the province was created, and observers reported no serious irregularities at all.\n"
)


@pytest.mark.parametrize("order", [("a.txt", "b.txt"), ("b.txt", "a.txt")])
def test_an_undated_rewrite_takes_its_year_from_its_story_in_any_order(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    """A rewrite with no date, copied in 2026, of a story dated 2 March 2024: its "On March 1" is 2024,
    whichever arrived first, and every view (the stored article, the ledger) says so, marked estimated."""
    from sqlalchemy import select

    from monitor.app import build_app
    from monitor.config.settings import Settings
    from monitor.pipeline import run_pass
    from monitor.store.models import ArticleRow

    (tmp_path / "config").mkdir()
    (tmp_path / "desk").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(RULES)
    app = build_app(
        Settings(config=tmp_path / "config" / "monitor.yaml", database_url=f"sqlite:///{tmp_path / 'm.db'}")
    )
    texts = {"a.txt": FIRST, "b.txt": REWRITE}
    for name in order:
        path = tmp_path / "desk" / name
        path.write_text(texts[name])
        os.utime(path, (COPIED.timestamp(), COPIED.timestamp()))
        run_pass(app)
    with app.sessions() as session:
        rows = {r.source_key: r for r in session.scalars(select(ArticleRow))}
        ledger = app.tracker.ledger(session, "okonkwo-won")
    assert rows["a.txt"].story_id == rows["b.txt"].story_id
    rewrite = rows["b.txt"]
    assert (rewrite.published_at.date(), rewrite.published_estimated) == (day(1, 3).date(), True)
    assert rewrite.date_origin == "text, year from story"
    said = {e.said_at.year for e in ledger.entries}
    assert said == {2024}
    assert all(e.date_estimated for e in ledger.entries if e.article_id == rewrite.id)
