"""The near-duplicate candidate lookup (repository.story_candidates) on a real SQLite file and a real
PostgreSQL database: articles sharing a band key, within the window or with a guessed year, first
stored first, also when the sharing articles are more than one statement's id list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from monitor.ingest.article import FILE_TIME
from monitor.store import repository as repo
from monitor.store.db import make_engine, unit_of_work, upgrade
from monitor.store.models import ArticleRow

DAY = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("ids_per_statement", [1000, 2])
def test_candidates_share_a_band_and_fall_in_the_window(
    database_url: str, ids_per_statement: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "_IDS_PER_STATEMENT", ids_per_statement)
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = sessionmaker(engine)
    # (days from DAY, date origin, bands)
    stored = [
        (0, "text", ["00:a", "01:b"]),  # shares a band, same day
        (-20, "text", ["00:a"]),  # shares a band, in the window
        (-90, "text", ["01:b"]),  # shares a band, outside the window
        (-400, FILE_TIME, ["00:a"]),  # shares a band, its year a guess: a candidate at any time
        (0, "text", ["02:c"]),  # no shared band
        (5, "text", ["01:b", "02:c"]),  # shares a band, in the window
    ]
    ids = []
    try:
        with unit_of_work(sessions) as session:
            for n, (days, origin, bands) in enumerate(stored):
                row = ArticleRow(
                    fingerprint=f"f{n}",
                    title=f"t{n}",
                    text="x",
                    published_at=DAY + timedelta(days=days),
                    date_origin=origin,
                    source_name="s",
                    source_key=f"k{n}",
                )
                session.add(row)
                session.flush()
                repo.set_story(session, article_id=row.id, story_id=row.id, signature=bytes([n]), bands=bands)
                ids.append(row.id)
        with sessions() as session:
            near = repo.story_candidates(
                session, bands=["00:a", "01:b", "09:z"], published=DAY, window=timedelta(days=30)
            )
            anytime = repo.story_candidates(session, bands=["01:b", "00:a"], published=DAY, window=None)
            assert repo.story_candidates(session, bands=[], published=DAY, window=None) == []
            assert repo.story_candidates(session, bands=["09:z"], published=DAY, window=None) == []
    finally:
        engine.dispose()
    assert near == [(ids[i], ids[i], bytes([i])) for i in (0, 1, 3, 5)]
    assert anytime == [(ids[i], ids[i], bytes([i])) for i in (0, 1, 2, 3, 5)]


def test_postgresql_looks_bands_up_in_the_index_without_statistics(pg_url: str) -> None:
    """A PostgreSQL database whose tables were never analysed (autovacuum off) must still look an
    article's 64 band keys up in the index: a scan of story_bands would cost every new article the
    whole table."""
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO articles (id, fingerprint, title, text, published_at, published_estimated,"
                    " date_origin, source_name, source_key, created_at) SELECT i, 'f' || i, 't', 'x', now(),"
                    " false, 'text', 's', 'k' || i, now() FROM generate_series(1, 400) i"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO story_bands (band, article_id) SELECT lpad(b::text, 2, '0') || ':' ||"
                    " md5(i::text || '-' || b), i FROM generate_series(1, 400) i, generate_series(0, 63) b"
                )
            )
            bands = [f"{b:02d}:{b:016x}" for b in range(64)]
            statement = repo.sharing_a_band(bands, per_branch=repo._BANDS_PER_BRANCH).compile(
                dialect=engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = "\n".join(connection.scalars(text(f"EXPLAIN {statement}")))
    finally:
        engine.dispose()
    assert "Seq Scan" not in plan, plan
    assert "pk_story_bands" in plan, plan


def test_the_writer_never_plans_parallel_queries_on_postgresql(pg_url: str) -> None:
    """A parallel plan starts worker processes for a statement: the planner picks one when it guesses
    many rows (tables never analysed), and the pipeline would pay it on every article."""
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
    finally:
        engine.dispose()
