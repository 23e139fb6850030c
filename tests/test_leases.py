"""Source leases on SQLite and PostgreSQL: a due source is leased to one worker at a time, concurrent
claimers never get the same source (FOR UPDATE SKIP LOCKED), a dead worker's lease is taken over
after it expires, and the database decides between workers writing the same alert or claim."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain import ClaimSpec, EventKind
from monitor.ingest.sources.feed import FeedOptions
from monitor.ledger.alerts import AlertDraft
from monitor.store import leases
from monitor.store import repository as repo
from monitor.store.db import make_engine, unit_of_work, upgrade
from monitor.store.models import AlertRow, ClaimRow, SourceRow, utcnow

NAMES = [f"feed-{i:02d}" for i in range(10)]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    options = [FeedOptions(name=n, kind="feed", url=f"http://127.0.0.1:9/{n}.xml") for n in NAMES]
    with unit_of_work(factory) as session:
        leases.sync_sources(session, sources=options)
    return factory


def claim(sessions: sessionmaker[Session], owner: str, *, limit: int = 100, **kw: object) -> list[str]:
    with unit_of_work(sessions) as session:
        got = leases.claim(session, owner=owner, names=NAMES, now=utcnow(), ttl=60, limit=limit, **kw)  # type: ignore[arg-type]
    return sorted(lease.name for lease in got)


def test_a_due_source_is_leased_to_one_worker_until_released_and_due_again(
    sessions: sessionmaker[Session],
) -> None:
    assert claim(sessions, "a", limit=4) == NAMES[:4]  # new sources are due at once, first made first
    assert claim(sessions, "b") == NAMES[4:]
    assert claim(sessions, "c") == []  # everything is leased
    with unit_of_work(sessions) as session:
        row = session.scalars(select(SourceRow).where(SourceRow.name == NAMES[0])).one()
        row.next_check_at = utcnow() + timedelta(minutes=5)
        leases.release(row)
    assert claim(sessions, "c") == []  # released but not due
    with unit_of_work(sessions) as session:
        leases.request_poll(session, name=NAMES[0])
    assert claim(sessions, "c") == [NAMES[0]]  # a requested poll goes before its time
    with unit_of_work(sessions) as session:
        row = session.scalars(select(SourceRow).where(SourceRow.name == NAMES[0])).one()
        assert row.lease_owner == "c" and not row.poll_requested


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_write_its_outcome(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    assert claim(sessions, "dead", limit=1) == [NAMES[0]]
    with unit_of_work(sessions) as session:
        source_id = session.scalars(select(SourceRow.id).where(SourceRow.name == NAMES[0])).one()
        assert leases.renew(session, owner="dead", source_ids=[source_id], until=utcnow()) == 1
    with unit_of_work(sessions) as session:
        taken = leases.claim(session, owner="alive", names=NAMES[:1], now=utcnow(), ttl=60, limit=5)
    assert [(t.name, t.taken_from) for t in taken] == [(NAMES[0], "dead")]
    assert "taken over from worker dead" in caplog.text
    with unit_of_work(sessions) as session:
        assert leases.locked_if_held(session, source_id=source_id, owner="dead") is None
        assert leases.renew(session, owner="dead", source_ids=[source_id], until=utcnow()) == 0
        assert leases.holder(session, name=NAMES[0], now=utcnow()) == "alive"


def test_the_lease_keeper_renews_held_leases_only(sessions: sessionmaker[Session]) -> None:
    assert claim(sessions, "me", limit=2) == NAMES[:2]
    with unit_of_work(sessions) as session:
        ids = list(
            session.scalars(select(SourceRow.id).where(SourceRow.name.in_(NAMES[:2])).order_by(SourceRow.id))
        )
    keeper = leases.LeaseKeeper(sessions, "me", ttl=600)
    try:
        with keeper.hold(ids[0]):
            assert keeper.renew_now() == 1
        assert keeper.renew_now() == 0  # nothing held any more
    finally:
        keeper.close()
    with sessions() as session:
        until = dict(
            session.execute(select(SourceRow.id, SourceRow.lease_until).where(SourceRow.id.in_(ids))).all()
        )
    assert until[ids[0]] is not None and until[ids[1]] is not None
    assert until[ids[0]] > until[ids[1]] + timedelta(minutes=8)  # renewed to ten minutes, not one


def test_concurrent_claimers_skip_each_others_locked_rows(pg_url: str) -> None:
    """Ten workers claim at the same moment, each holding its transaction open until all have claimed:
    on PostgreSQL SKIP LOCKED hands each its own sources, none twice, none waiting."""
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    options = [FeedOptions(name=n, kind="feed", url=f"http://127.0.0.1:9/{n}.xml") for n in NAMES]
    with unit_of_work(factory) as session:
        leases.sync_sources(session, sources=options)
    barrier = threading.Barrier(5, timeout=20)
    got: dict[str, list[str]] = {}

    def worker(owner: str) -> None:
        with unit_of_work(factory) as session:
            claimed = leases.claim(session, owner=owner, names=NAMES, now=utcnow(), ttl=60, limit=2)
            got[owner] = [c.name for c in claimed]
            barrier.wait()  # every claim happens while the others' transactions are still open

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    engine.dispose()
    claimed = [name for names in got.values() for name in names]
    assert len(got) == 5 and all(len(names) == 2 for names in got.values())
    assert sorted(claimed) == NAMES


def draft(key: str) -> AlertDraft:
    return AlertDraft(
        dedupe_key=key,
        event=EventKind.CONFIRMATION,
        claim_id=None,
        title="t",
        body="b",
        payload={},
        confidence=1.0,
    )


def test_two_workers_writing_one_alert_at_once_store_it_once(pg_url: str) -> None:
    """The second insert waits for the first transaction, then finds the key taken: no error, no copy."""
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    results: list[int | None] = []
    with unit_of_work(factory) as first:
        results.append(repo.add_alert(first, draft=draft("same"), article_id=None, deliveries=[]))
        other = threading.Thread(
            target=lambda: results.append(_add_alert_alone(factory, "same")), name="second-worker"
        )
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # waiting on the first worker's uncommitted row
    other.join(timeout=20)
    with factory() as session:
        assert len(session.scalars(select(AlertRow)).all()) == 1
    engine.dispose()
    assert results[0] is not None and results[1] is None


def _add_alert_alone(factory: sessionmaker[Session], key: str) -> int | None:
    with unit_of_work(factory) as session:
        return repo.add_alert(session, draft=draft(key), article_id=None, deliveries=[])


def test_workers_starting_together_migrate_once_and_sync_claims_without_conflict(pg_url: str) -> None:
    claims = [ClaimSpec(f"c{i}", f"Claim {i} is true", ("X",), ("y",)) for i in range(3)]
    errors: list[BaseException] = []

    def start() -> None:
        try:
            engine = make_engine(pg_url)
            upgrade(engine)
            with unit_of_work(sessionmaker(engine)) as session:
                repo.sync_claims(session, claims=claims)
            engine.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    engine = make_engine(pg_url)
    with sessionmaker(engine)() as session:
        assert sorted(session.scalars(select(ClaimRow.id))) == ["c0", "c1", "c2"]
    engine.dispose()
