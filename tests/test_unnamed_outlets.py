"""An article whose outlet nothing names (no feed, front matter, `outlet:` option, "..., X reports"
line or link) is an unnamed outlet in the ledger, labelled by its story, never by its file name; the
file name stays only where the article was found (`location`). Through a real folder source and a
real SQLite store."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from monitor.domain import Attribution, ClaimSpec, Evidence, Judgement, Sentence, Stance
from monitor.ingest.article import to_article
from monitor.ingest.sources.base import Item, SourceState
from monitor.ingest.sources.folder import FolderOptions
from monitor.ledger.claim_ledger import Policy, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import LedgerEntry
from monitor.ledger.timeline import timeline
from monitor.store import repository as repo
from monitor.store.db import make_engine, unit_of_work, upgrade

CLAIM = ClaimSpec(id="quay-reopened", text="The Pellham quay has reopened", entities=("Pellham",))
STORY = """Pellham quay back in business

The Pellham quay reopened to cargo ships on Wednesday after six weeks of repairs.
Harbour pilots guided the first container vessel in before noon.
"""
DROPPED = datetime(2025, 3, 14, tzinfo=UTC)


def _store_folder(folder: Path, db: Path) -> list[LedgerEntry]:
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    source = FolderOptions(name="inbox", kind="folder", path=folder).build()
    items = [i for i in source.poll(SourceState()).items if isinstance(i, Item)]
    with unit_of_work(sessions) as session:
        repo.sync_claims(session, claims=[CLAIM])
        for item in items:
            for raw in item.read():
                article = to_article(raw)
                start = article.text.index("The Pellham quay reopened")
                sentence = Sentence(
                    0, "The Pellham quay reopened to cargo ships on Wednesday.", start, start + 50, 1
                )
                article_id = repo.add_article(
                    session, article=article, fingerprint=raw.content_hash, url_key=None, topics=()
                )
                evidence = Evidence(CLAIM.id, sentence, Judgement(Stance.CONFIRM, 0.9), Attribution())
                repo.add_evidence(
                    session, article_id=article_id, article=article, items=[evidence], sentence_keys=["s0"]
                )
    with unit_of_work(sessions) as session:
        entries = repo.ledger_entries(session, claim_id=CLAIM.id).entries
    engine.dispose()
    return entries


def test_an_article_with_no_outlet_anywhere_never_shows_its_file_name_as_source(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = folder / "017_9c2e4a1b77d0f3aa.txt"
    path.write_text(STORY, encoding="utf-8")
    os.utime(path, (DROPPED.timestamp(), DROPPED.timestamp()))
    (entry,) = _store_folder(folder, tmp_path / "m.db")
    assert "017_9c2e4a1b77d0f3aa" not in entry.outlet + entry.article_outlet
    assert entry.outlet == 'unnamed outlet ("Pellham quay back in business")'
    assert entry.location == "inbox/017_9c2e4a1b77d0f3aa.txt"  # where it was found, nothing more
    ledger = replay([entry], Policy(), SpeakerResolver().resolve)
    (row,) = [r for r in timeline(ledger) if r["type"] == "statement"]
    assert "017_9c2e4a1b77d0f3aa" not in f"{row['source']} {row['outlet']} {ledger.reason}"
    assert row["location"] == "inbox/017_9c2e4a1b77d0f3aa.txt"


def test_an_outlet_named_in_the_text_is_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    text = STORY.replace(
        "after six weeks of repairs.", "after six weeks of repairs, Tidewater Gazette reported."
    )
    (folder / "018_0b1c.txt").write_text(text, encoding="utf-8")
    (entry,) = _store_folder(folder, tmp_path / "m.db")
    assert entry.outlet == entry.article_outlet == "Tidewater Gazette"
