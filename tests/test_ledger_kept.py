"""The tracker keeps each claim's ledger state between updates (monitor.tracking): what it holds after
every pass is the ledger a replay of the store gives, also when another worker stored evidence in
between or an article was edited; and the kept state is really used."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.domain import EventKind
from monitor.pipeline import run_pass
from monitor.store.models import ClaimRow, LedgerEventRow

NEWS = """---
title: Kyiv says North Korean soldiers fought near Kursk
date: 2024-11-04
outlet: Test Wire
---
Ukraine's defence intelligence chief Kyrylo Budanov said on Monday that North Korean troops were fighting
for Russia in Ukraine's Kursk offensive, and that the first units had come under fire.
"""


LATER = """---
title: Seoul's spy agency says more North Korean units have reached the front
date: 2024-11-06
outlet: Harbour Times
---
South Korea's National Intelligence Service told lawmakers in Seoul on Wednesday that a second wave of
North Korean soldiers had been deployed and that some units were already fighting for Russia in Ukraine.
"""


def rules_app(workdir: Path, db: Path, folder: Path) -> App:
    rules = workdir / "config" / "monitor.yaml"
    text = (
        rules.read_text()
        .replace("kind: semantic", "kind: rules")
        .replace("path: ../seeds", f"path: {folder}")
    )
    rules.write_text(text)
    return build_app(Settings(config=rules, database_url=f"sqlite:///{db}", notify_urls=[]))


def agrees_with_the_store(app: App) -> None:
    """Each kept state's ledger is the replay of the store; the stored status is its status, and every
    event of it is handled (an edit may leave handled events behind that no longer happen)."""
    with app.sessions() as session:
        for claim in app.rules.claims:
            replayed = app.tracker.ledger(session, claim.id)
            kept = app.tracker._kept.get(claim.id)
            if kept is not None:
                held = kept.state.ledger()
                assert held.statements == replayed.statements
                assert [(e.key, e.reason, e.current) for e in held.events] == [
                    (e.key, e.reason, e.current) for e in replayed.events
                ]
                assert (held.status, held.reason) == (replayed.status, replayed.reason)
            assert session.get_one(ClaimRow, claim.id).status == replayed.status.value
            stored = set(
                session.scalars(select(LedgerEventRow.key).where(LedgerEventRow.claim_id == claim.id))
            )
            assert {e.key for e in replayed.events if e.kind is not EventKind.STATUS_CHANGE} <= stored


def test_the_kept_ledger_is_the_replay_of_the_store_across_workers_and_edits(workdir: Path) -> None:
    seeds = sorted((workdir / "seeds").iterdir())
    drop = workdir / "drop"
    drop.mkdir()
    db = workdir / "m.db"
    one = rules_app(workdir, db, drop)
    two = build_app(
        Settings(config=workdir / "config" / "monitor.yaml", database_url=f"sqlite:///{db}", notify_urls=[])
    )
    try:
        for path in seeds[:2]:
            shutil.copy(path, drop / path.name)
        run_pass(one)
        agrees_with_the_store(one)

        shutil.copy(seeds[2], drop / seeds[2].name)
        run_pass(two)  # another worker stores evidence the first has not seen
        shutil.copy(seeds[3], drop / seeds[3].name)
        run_pass(one)  # the other worker's evidence is newer rows: taken in with this article's
        agrees_with_the_store(one)

        shutil.copy(seeds[4], drop / seeds[4].name)
        run_pass(one)
        agrees_with_the_store(one)

        (drop / "later.md").write_text(NEWS, encoding="utf-8")  # after a year was placed: replayed
        run_pass(one)
        agrees_with_the_store(one)
        counts = dict(one.tracker.counts)
        (drop / "later-still.md").write_text(LATER, encoding="utf-8")
        run_pass(one)
        agrees_with_the_store(one)
        assert one.tracker.counts["taken_in"] > counts["taken_in"]  # a new article: taken in ...
        assert one.tracker.counts["replayed"] == counts["replayed"]  # ... with no replay

        edited = drop / seeds[1].name  # an edit takes evidence away: replayed from the store
        edited.write_text(
            edited.read_text(encoding="utf-8").replace("confirmed", "discussed"), encoding="utf-8"
        )
        replayed = one.tracker.counts["replayed"]
        run_pass(one)
        agrees_with_the_store(one)
        assert one.tracker.counts["replayed"] > replayed
        replayed = two.tracker.counts["replayed"]
        (drop / "latest.md").write_text(LATER.replace("2024-11-06", "2024-11-08").replace("Seoul", "Busan"))
        run_pass(two)  # its kept state is behind the edit: it sees that and replays
        agrees_with_the_store(two)
        assert two.tracker.counts["replayed"] > replayed
    finally:
        one.close()
        two.close()
