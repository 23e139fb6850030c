"""Three `monitor run` workers share 300 local feeds on one PostgreSQL database while one of them is
killed (SIGKILL) and restarted three times: every entry is stored exactly once, every alert is written
once and delivered, and the receiver gets each message; a resend after a kill carries the same
idempotency key. A killed worker's leases are taken over by the others once they expire.

What the receiver saw is printed (pytest -s), raw copies included: at-least-once delivery may repeat
a message whose sending was cut off by the kill, and its X-Idempotency-Key lets the receiver drop it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from monitor.store.db import make_engine
from monitor.store.models import AlertRow, ArticleRow, DeliveryRow, SourceItemRow, SourceRow, utcnow

from .conftest import Receiver
from .feedserver import FeedServer, rss

FEEDS = 300
WAVES = 4  # entries per feed: one at the start, then one more in each of three waves
WAVE_EVERY = 8.0
"""Seconds between waves, at least: each waits for the restarted worker to be up."""
KILLS = 3
CLAIMS = """\
claims:
  - id: nk-troops
    claim: North Korean troops are fighting for Russia in Ukraine
    entities: [North Korea, North Korean, DPRK, Pyongyang]
    keywords: [troops, soldiers, fighting, deployed]
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, closing, plant, Leeds]
"""
WORDS = [
    *["council", "budget", "river", "harbour", "school", "election", "rail", "weather", "festival"],
    *["museum", "bridge", "library", "market", "hospital", "farmers", "tourism", "energy", "housing"],
    *["transport", "water", "coast", "park", "police", "court", "union", "orchestra", "theatre"],
    *["airport", "vineyard", "forest", "fishing", "mining", "bakery", "garden", "stadium", "ferry"],
]
FIRST = ["Anna", "Tomas", "Ines", "Kenji", "Amara", "Lena", "Omar", "Sofia", "Pavel", "Mei"]
LAST = ["Berg", "Novak", "Duarte", "Sato", "Okafor", "Fischer", "Haddad", "Rossi", "Lindqvist", "Chen"]


def entry_text(feed: int, wave: int) -> str:
    """A short local-news article, different for every (feed, wave); one in twenty is about a claim.
    Feeds 10k and 10k+1 carry the same article in each wave (a wire story): stored once."""
    twin = feed - 1 if feed % 10 == 1 else feed
    rng = random.Random(twin * 100 + wave)
    filler = " ".join(
        " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" item{twin}w{wave}s{i}."
        for i in range(4)
    )
    if (twin + wave) % 20:
        return filler
    speaker = f"{FIRST[twin // 20 % 10]} {LAST[(twin // 7 + wave) % 10]}"
    if twin % 60 == 40:
        statement = (
            f"{speaker}, a government spokesman in city {twin}, denied that North Korean troops are in "
            "Ukraine, saying there is no evidence of it."
        )
    elif twin % 40 < 20:
        statement = (
            f"{speaker}, a defence analyst in city {twin}, said North Korean troops are fighting for "
            "Russia in Ukraine."
        )
    else:
        statement = f"{speaker}, a union official in Leeds {twin}, said Acme is closing its Leeds factory."
    return f"{statement} {filler}"


def feed_body(feed: int, entries: int) -> bytes:
    items = [
        {
            "guid": f"f{feed}-e{wave}",
            "title": f"Story {feed - 1 if feed % 10 == 1 else feed}.{wave}",  # twins share it too
            "description": entry_text(feed, wave),
            "date": f"2024-10-{1 + (feed + wave) % 28:02d}T{wave:02d}:00:00",
        }
        for wave in range(entries)
    ]
    return rss(f"Outlet {feed}", items)


def publish(server: FeedServer, entries: int) -> None:
    for feed in range(FEEDS):
        server.set(f"/f/{feed}.xml", body=feed_body(feed, entries), etag=f'"{entries}"', delay=0.01)


def rules(server: FeedServer) -> str:
    sources = "".join(
        f"  - {{name: feed-{i}, kind: feed, url: '{server.url(f'/f/{i}.xml')}', interval: 3s, jitter: 0.5}}\n"
        for i in range(FEEDS)
    )
    return (
        "polling: {workers: 6, per_host: 16, lease: 3s, tick: 0.25, timeout: 10s}\n"
        "stance: {kind: rules}\n"
        "alerts:\n  delivery: {lease: 3s, retry_every: 2s, backoff: 1s}\n"
        f"sources:\n{sources}{CLAIMS}"
    )


class Worker:
    def __init__(self, tmp_path: Path, env: dict[str, str], n: int) -> None:
        self.log = tmp_path / f"worker-{n}-{time.monotonic_ns()}.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--summary-every", "2"],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_running(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while "running;" not in self.log.read_text(errors="replace"):
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, f"worker not running after {timeout} s"
            time.sleep(0.2)


def count(engine: Engine, query: object) -> int:
    with Session(engine) as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    publish(server, 1)
    yield server
    server.close()


def test_three_workers_with_one_killed_and_restarted_store_and_deliver_everything_once(
    tmp_path: Path, pg_url: str, feeds: FeedServer, receiver: Receiver
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(rules(feeds))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {"MONITOR_DATABASE_URL": pg_url, "MONITOR_NOTIFY_URLS": receiver.url}
    workers = [Worker(tmp_path, env, n) for n in range(3)]
    logs = [w.log for w in workers]
    for w in workers:
        w.wait_running()
    engine = make_engine(pg_url)
    killed_leases: list[tuple[set[str], object]] = []
    try:
        for wave in range(1, WAVES):
            time.sleep(WAVE_EVERY / 2)
            publish(feeds, wave + 1)  # a new entry in every feed
            time.sleep(1.0)  # the workers are busy with them: kill one mid-poll
            victim = workers[0]
            with Session(engine) as session:
                held = set(
                    session.scalars(
                        select(SourceRow.name).where(
                            SourceRow.lease_owner.like(f"%:{victim.proc.pid}:%"),
                            SourceRow.lease_until > utcnow(),
                        )
                    )
                )
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)
            killed_leases.append((held, utcnow()))
            time.sleep(1.0)
            workers[0] = Worker(tmp_path, env, 0)
            logs.append(workers[0].log)
            workers[0].wait_running()

        expected_items = FEEDS * WAVES
        expected_articles = len({entry_text(f, w) for f in range(FEEDS) for w in range(WAVES)})
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            items = count(engine, select(func.count()).select_from(SourceItemRow))
            alerts = count(engine, select(func.count()).select_from(AlertRow))
            open_deliveries = count(
                engine, select(func.count()).select_from(DeliveryRow).where(DeliveryRow.state != "sent")
            )
            if items == expected_items and alerts and not open_deliveries:
                break
            time.sleep(1)
        time.sleep(3)  # a last poll round: nothing more may appear
        for w in workers:
            w.proc.send_signal(signal.SIGTERM)
        codes = [w.proc.wait(timeout=60) for w in workers]
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()

    with Session(engine) as session:
        items = session.scalar(select(func.count()).select_from(SourceItemRow))
        distinct_items = session.scalar(
            select(func.count()).select_from(
                select(SourceItemRow.source_id, SourceItemRow.key).distinct().subquery()
            )
        )
        articles = session.scalar(select(func.count()).select_from(ArticleRow))
        alerts = session.scalars(select(AlertRow.id)).all()
        deliveries = session.execute(select(DeliveryRow.alert_id, DeliveryRow.state, DeliveryRow.batch)).all()
        leased = session.scalar(
            select(func.count()).select_from(SourceRow).where(SourceRow.lease_owner.is_not(None))
        )
        polled_after_kill = [
            set(
                session.scalars(
                    select(SourceRow.name).where(SourceRow.name.in_(held), SourceRow.last_attempt_at > at)
                )
            )
            for held, at in killed_leases
        ]
    engine.dispose()
    text = "\n".join(log.read_text(errors="replace") for log in logs)
    received = Counter(m["key"] for m in receiver.received)
    batches = {batch for _, _, batch in deliveries}
    copies = sum(received.values()) - len(received)
    print(
        f"\n{items} entries stored ({expected_items} offered), {articles} articles"
        f" ({expected_articles} distinct),"
        f" {len(alerts)} alerts, {len(deliveries)} deliveries in {len(batches)} messages; the receiver got"
        f" {sum(received.values())} requests with {len(received)} distinct keys ({copies} resent copies);"
        f" leases held by the killed worker: {[len(h) for h, _ in killed_leases]};"
        f" takeovers logged: {text.count('taken over from worker')}"
    )

    assert codes == [0, 0, 0]
    assert "Traceback" not in text
    assert items == distinct_items == expected_items  # every entry exactly once
    assert articles == expected_articles  # wire copies stored once
    assert len(alerts) >= 5  # how many depends on the order the workers store the evidence in
    assert sorted(a for a, _, _ in deliveries) == sorted(alerts)  # one delivery per alert (one route)
    assert {state for _, state, _ in deliveries} == {"sent"}
    assert batches <= set(received)  # every message arrived
    assert copies <= KILLS  # a message is resent only when a kill cut its sending short
    assert leased == 0  # every lease released at the stop
    for (held, _), polled in zip(killed_leases, polled_after_kill, strict=True):
        assert polled == held  # a dead worker's sources were taken over and polled
    if any(held for held, _ in killed_leases):
        assert "taken over from worker" in text
