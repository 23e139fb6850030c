"""Benchmark a claim's ledger update as its evidence grows: what every new article of the claim costs.

    python3 bench/ledger.py [--sizes 1000,10000,50000] [--sources 200] [--articles 5] [--seed 1]
                            [--no-store] [--quick] [--markdown]

Generated evidence for one claim: `--sources` speakers (half of the time named by surname only, so the
resolver has work), each sentence 12 random words of a 3,000-word vocabulary, a third of them repeats of
an earlier sentence of the same speaker with two words changed, 60% confirm and 40% contradict, said
over 120 days, 5% from undated articles. For each size N, side by side in one run:

- `replay`: the whole ledger replayed from N + 5 entries (`claim_ledger.replay`), which is what every
  update cost before the ledger was kept (the baseline);
- `in order`: a `LedgerState` holding N entries takes in a new article (5 sentences of known speakers)
  said the day after the latest, and gives its ledger: median over `--articles` articles;
- `late`: the same for an article that tells of a day in the middle of the history (the walk goes on
  from that day's checkpoint);
- `new name`: an article of a speaker never seen (the resolver runs over every name again);
- `store`: `Tracker.update` on a SQLite store holding the N evidence rows (inserted directly), for a
  new article said the day after the latest: loading the new rows, the state's update, the handled
  events, the status; median over `--articles` articles (`--no-store` skips it).

Times are wall milliseconds on this machine, single-threaded. `--markdown` prints the section of
docs/benchmarks.md (command, machine, load before and after, the table); `--quick` runs 1,000 and
5,000 only.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import LoadWatch, aligned, machine

from monitor.domain import Stance
from monitor.ledger.claim_ledger import LedgerState, Policy, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import LedgerEntry

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 120


class Evidence:
    """A generator of one claim's evidence (see the module docstring)."""

    def __init__(self, sources: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = [f"w{i}" for i in range(3000)]
        self.people = [self.person() for _ in range(sources)]
        self.said: dict[str, list[str]] = {}
        self.n = 0

    def person(self) -> tuple[str, str]:
        rng = self.rng  # letters only: the resolver reads names as names
        given, family = ("".join(rng.choices("bcdfghklmnprstvz", k=3)).title() + "ar" for _ in range(2))
        return f"{given} {family}ov", f"{family}ov"

    def entry(
        self, day: int, person: tuple[str, str] | None = None, article: int | None = None
    ) -> LedgerEntry:
        rng = self.rng
        full, surname = person or self.people[rng.randrange(len(self.people))]
        earlier = self.said.get(full)
        if earlier and rng.random() < 1 / 3:
            tokens = rng.choice(earlier).split()
            for _ in range(2):
                tokens[rng.randrange(len(tokens))] = rng.choice(self.words)
            sentence = " ".join(tokens)
        else:
            sentence = " ".join(rng.choices(self.words, k=12))
        self.said.setdefault(full, []).append(sentence)
        i, self.n = self.n, self.n + 1
        number = i // 5 if article is None else article
        return LedgerEntry(
            evidence_id=i + 1,
            article_id=number + 1,
            article_key=f"a{number:08d}",
            stance=Stance.CONFIRM if rng.random() < 0.6 else Stance.CONTRADICT,
            confidence=0.6 + 0.4 * rng.random(),
            sentence=f"{sentence}.",
            start=(i % 5) * 100,
            speaker=full if rng.random() < 0.5 else surname,
            via=None,
            outlet=f"Outlet{rng.randrange(50)}",
            article_outlet=f"Outlet{rng.randrange(50)}",
            published=START + timedelta(days=day),
            estimated=day < DAYS and rng.random() < 0.05,
        )

    def history(self, n: int) -> list[LedgerEntry]:
        return [self.entry(self.rng.randrange(DAYS)) for _ in range(n)]

    def article(self, day: int, person: tuple[str, str] | None = None) -> list[LedgerEntry]:
        number = 10**7 + self.n
        return [self.entry(day, person, article=number) for _ in range(5)]


def ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def pure(size: int, args: argparse.Namespace) -> dict[str, float]:
    evidence = Evidence(args.sources, args.seed)
    history = evidence.history(size)
    resolver = SpeakerResolver()
    resolver.resolve({"warm"})
    policy = Policy()
    extra = evidence.article(DAYS)
    out = {"replay": ms(lambda: replay([*history, *extra], policy, resolver.resolve))}
    state = LedgerState(policy, resolver.resolve)
    out["build"] = ms(lambda: (state.add(history), state.ledger()))
    day = DAYS
    for kind in ("in order", "late", "new name"):
        times = []
        for _ in range(args.articles):
            if kind == "in order":
                day += 1
                article = evidence.article(day)
            elif kind == "late":
                article = evidence.article(evidence.rng.randrange(DAYS // 3, 2 * DAYS // 3))
            else:
                day += 1
                article = evidence.article(day, evidence.person())
            times.append(ms(lambda article=article: (state.add(article), state.ledger())))  # type: ignore[misc]
        out[kind] = statistics.median(times)
    ledger = state.ledger()
    out["statements"], out["events"] = len(ledger.statements), len(ledger.events)
    return out


RULES = """
sources:
  - {name: drop, kind: folder, path: ./drop}
claims:
  - id: bench-claim
    claim: The bench claim holds
    entities: [Bench]
stance: {kind: rules}
"""


def article_row(number: int, e: LedgerEntry) -> dict[str, object]:
    return {
        "id": number, "fingerprint": e.article_key, "title": f"Article {number}", "text": "", "url": None,
        "outlet": e.article_outlet, "published_at": e.published, "published_estimated": e.estimated,
        "date_origin": "file time" if e.estimated else "metadata", "source_name": "drop",
        "source_key": f"{number}.txt", "story_id": number,
    }  # fmt: skip


def evidence_row(e: LedgerEntry) -> dict[str, object]:
    return {
        "claim_id": "bench-claim", "article_id": e.article_id, "sentence": e.sentence,
        "sentence_key": f"{e.evidence_id:032d}", "start": e.start, "end": e.start + 90, "context": None,
        "speaker": e.speaker, "via": None, "stance": e.stance.value, "confidence": e.confidence, "cues": [],
        "recap": False, "published_at": e.published,
    }  # fmt: skip


def store(size: int, args: argparse.Namespace) -> dict[str, float]:
    """`Tracker.update` on a SQLite store holding `size` evidence rows of one claim."""
    from monitor.app import build_app
    from monitor.config.settings import Settings
    from monitor.store.db import unit_of_work
    from monitor.store.models import ArticleRow, EvidenceRow

    evidence = Evidence(args.sources, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "drop").mkdir()
        (base / "monitor.yaml").write_text(RULES)
        settings = Settings(
            config=base / "monitor.yaml", database_url=f"sqlite:///{base / 'm.db'}", notify_urls=[]
        )
        app = build_app(settings)
        try:

            def store_rows(entries: list[LedgerEntry]) -> int:
                with unit_of_work(app.sessions) as session:
                    articles = {e.article_id: e for e in entries}
                    session.execute(insert(ArticleRow), [article_row(a, e) for a, e in articles.items()])
                    session.execute(insert(EvidenceRow), [evidence_row(e) for e in entries])
                    return app.tracker.update(session, "bench-claim", article_id=entries[-1].article_id)

            for start in range(0, size, 5000):
                history = evidence.history(min(5000, size - start))
                cold = ms(lambda history=history: store_rows(history))  # type: ignore[misc]
            times = []
            day = DAYS
            for _ in range(args.articles):
                day += 1
                article = evidence.article(day)
                times.append(ms(lambda article=article: store_rows(article)))  # type: ignore[misc]
            return {"store": statistics.median(times), "store cold": cold}
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    sizes = [1000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    watch = LoadWatch()
    head = [
        "evidence",
        "statements",
        "events",
        "replay ms",
        "build ms",
        "in order ms",
        "late ms",
        "new name ms",
    ]
    if not args.no_store:
        head.append("store ms")
    rows = [head]
    for size in sizes:
        print(f"ledger: {size} evidence ...", file=sys.stderr, flush=True)
        got = pure(size, args)
        if not args.no_store:
            got |= store(size, args)
        row = [str(size), f"{got['statements']:.0f}", f"{got['events']:.0f}"]
        row += [f"{got[k]:.1f}" for k in ("replay", "build", "in order", "late", "new name")]
        if not args.no_store:
            row.append(f"{got['store']:.1f}")
        rows.append(row)
    load = watch.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = aligned(rows)
    command = " ".join(["python3", "bench/ledger.py", *sys.argv[1:]])
    if args.markdown:
        print("## Ledger: one claim's update as its evidence grows\n")
        print(f"`{command}` — {machine()}; {load}; peak RSS {peak:.0f} MB.\n")
        print("```text")
        print("\n".join(lines))
        print("```")
    else:
        print("\n".join(lines))
        print(f"{load}; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
