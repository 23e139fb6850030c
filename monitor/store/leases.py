"""Source leases: which worker polls which source now, so that several `monitor run` processes on one
PostgreSQL database share the sources and never poll one twice at the same time.

- A worker *claims* sources that are due (`next_check_at` passed, or a poll was requested) and not
  leased, or whose lease has expired (its worker died). On PostgreSQL the candidates are selected
  `FOR UPDATE SKIP LOCKED`: concurrent claimers never wait for each other and never get the same row.
  On SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE), and the same
  statement is a plain select.
- The lease lasts `ttl` seconds; its holder renews it while the poll runs (`LeaseKeeper`), so only a
  worker that stopped renewing (killed, frozen, cut off from the database) loses it.
- The poll's end stores the source's new state and releases the lease in one transaction
  (monitor.pipeline), unless the lease was lost meanwhile: then the new holder's state counts.
- On SQLite only one `monitor run` writes (the single-writer file lock), so the process that holds the
  lock owns every lease at start (`release_all`): leases left by a killed run are not waited out.

Everything a poll stores is idempotent, and unique keys arbitrate the rare overlap (a poll that went
on after its lease expired): an entry stored twice is refused by the database, not kept twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.ingest.sources import SourceOptions, SourceState
from monitor.store.db import insert_missing, unit_of_work
from monitor.store.models import SourceRow, utcnow

log = logging.getLogger(__name__)


def worker_id() -> str:
    """This process's name in leases: host, process id and a random part (a restarted container has
    the same host name and process id as the one it replaces)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class Lease:
    """A source claimed by this worker: its row, and the state its poll starts from."""

    source_id: int
    name: str
    state: SourceState
    taken_from: str | None = None
    """The worker whose expired lease this one replaced, if any."""


def sync_sources(session: Session, *, sources: Sequence[SourceOptions]) -> None:
    """Create a row for each configured source (due at once), and reset the stored URL and validators
    of a source whose configured URL or kind changed (the user pointed it elsewhere)."""
    if not sources:
        return
    insert_missing(
        session,
        SourceRow,
        [
            {
                "name": s.name,
                "kind": s.kind,
                "url": _url(s),
                "configured_url": _url(s),
                "consecutive_failures": 0,
            }
            for s in sources
        ],
        key="name",
    )
    configured = {s.name: s for s in sources}
    rows = session.scalars(
        select(SourceRow).where(SourceRow.name.in_(sorted(configured))).order_by(SourceRow.id)
    )
    for row in rows:
        options = configured[row.name]
        if row.configured_url != _url(options) or row.kind != options.kind:
            row.kind, row.configured_url, row.url = options.kind, _url(options), _url(options)
            row.etag = row.last_modified = None


def _url(options: SourceOptions) -> str | None:
    url = getattr(options, "url", None)
    return url if isinstance(url, str) else None


def claim(
    session: Session,
    *,
    owner: str,
    names: Sequence[str],
    now: datetime,
    ttl: float,
    limit: int,
    only_due: bool = True,
) -> list[Lease]:
    """Lease up to `limit` of the sources `names` to `owner` for `ttl` seconds, the longest overdue
    first: those due (with `only_due`; else any) that no live lease holds."""
    if not names or limit < 1:
        return []
    query = select(SourceRow).where(
        SourceRow.name.in_(list(names)),
        or_(SourceRow.lease_until.is_(None), SourceRow.lease_until < now),
    )
    if only_due:
        query = query.where(
            or_(SourceRow.next_check_at.is_(None), SourceRow.next_check_at <= now, SourceRow.poll_requested)
        )
    query = (
        query.order_by(SourceRow.next_check_at.asc().nulls_first(), SourceRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leases = []
    for row in session.scalars(query):
        taken_from = row.lease_owner if row.lease_until is not None else None
        if taken_from is not None and taken_from != owner:
            log.warning(
                "source=%s taken over from worker %s, whose lease expired at %s",
                row.name,
                taken_from,
                row.lease_until,
            )
        row.lease_owner, row.lease_until, row.poll_requested = owner, now + timedelta(seconds=ttl), False
        state = SourceState(url=row.url, etag=row.etag, last_modified=row.last_modified)
        leases.append(Lease(row.id, row.name, state, taken_from))
    return leases


def holder(session: Session, *, name: str, now: datetime) -> str | None:
    """The worker whose live lease holds the source `name`, if any."""
    row = session.execute(
        select(SourceRow.lease_owner, SourceRow.lease_until).where(SourceRow.name == name)
    ).first()
    if row is None or row.lease_until is None or row.lease_until < now:
        return None
    owner: str | None = row.lease_owner
    return owner


def locked_if_held(session: Session, *, source_id: int, owner: str) -> SourceRow | None:
    """The source's row, locked for the rest of the transaction, if `owner` still holds its lease;
    None if the lease was lost (it expired and another worker took the source over)."""
    row = session.get(SourceRow, source_id, with_for_update=True, populate_existing=True)
    return row if row is not None and row.lease_owner == owner else None


def locked_held(session: Session, *, source_ids: Sequence[int], owner: str) -> dict[int, SourceRow]:
    """`locked_if_held` for several sources in one statement: the rows of those `owner` still holds."""
    query = (
        select(SourceRow)
        .where(SourceRow.id.in_(list(source_ids)))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in session.scalars(query) if row.lease_owner == owner}


def release(row: SourceRow) -> None:
    row.lease_owner = row.lease_until = None


def release_if_held(session: Session, *, source_id: int, owner: str) -> None:
    row = locked_if_held(session, source_id=source_id, owner=owner)
    if row is not None:
        release(row)


def renew(session: Session, *, owner: str, source_ids: Sequence[int], until: datetime) -> int:
    """Extend `owner`'s leases on these sources to `until`; returns how many it still held."""
    if not source_ids:
        return 0
    result = session.execute(
        update(SourceRow)
        .where(SourceRow.id.in_(list(source_ids)), SourceRow.lease_owner == owner)
        .values(lease_until=until)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_all(session: Session) -> list[tuple[str, str]]:
    """Release every lease; returns the (source, former holder) pairs. Only for a process that knows no
    other worker exists: `monitor run` on SQLite, holding the single-writer lock (monitor.store.db), so a
    worker killed within its lease does not keep its sources from the next run until the lease expires."""
    rows = session.scalars(
        select(SourceRow).where(SourceRow.lease_owner.is_not(None)).order_by(SourceRow.id)
    ).all()
    released = [(row.name, str(row.lease_owner)) for row in rows]
    for row in rows:
        release(row)
    return released


def request_poll(session: Session, *, name: str) -> None:
    """Ask for a poll of `name` before it is due; any worker's next claim takes it."""
    session.execute(update(SourceRow).where(SourceRow.name == name).values(poll_requested=True))


class LeaseKeeper:
    """Renews this worker's leases while their polls run: one thread for the process, waking every
    third of the lease's length. A lease that could not be renewed (the database was unreachable)
    simply expires, and another worker takes the source over."""

    def __init__(self, sessions: sessionmaker[Session], owner: str, ttl: float) -> None:
        self.sessions = sessions
        self.owner = owner
        self.ttl = ttl
        self._held: Counter[int] = Counter()
        """How many `hold` blocks hold each source (a cycle holds all its sources, a poll its own)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def hold(self, source_id: int) -> Iterator[None]:
        """Keep the lease on `source_id` renewed for the duration of the block."""
        with self._lock:
            self._held[source_id] += 1
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held[source_id] -= 1
                if self._held[source_id] <= 0:
                    del self._held[source_id]

    def renew_now(self) -> int:
        with self._lock:
            held = sorted(self._held)
        if not held:
            return 0
        with unit_of_work(self.sessions) as session:
            until = utcnow() + timedelta(seconds=self.ttl)
            renewed = renew(session, owner=self.owner, source_ids=held, until=until)
        if renewed < len(held):
            log.warning(
                "%d of this worker's %d source leases were lost (expired and taken over)",
                len(held) - renewed,
                len(held),
            )
        return renewed

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.renew_now()
            except Exception:  # the database may be briefly unreachable: try again next time
                log.exception("renewing source leases failed")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
