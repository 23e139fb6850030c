"""Benchmark the ledger replay (monitor/ledger/statements.py, monitor/ledger/claim_ledger.py,
monitor/ledger/identities.py): how long replaying one claim takes as its evidence grows, which is
what every new article of the claim costs.

    python3 bench/ledger.py [--sizes 1000,5000,20000] [--sources 200] [--seed 1] [--quick] [--markdown]

Generated evidence: `--sources` speakers (half of them also named by surname only, so the resolver
has work), each sentence a random pick of 12 words from a 3,000-word vocabulary, a third of them
repeats of an earlier sentence of the same speaker with two words changed (recaps and reprints), 60%
confirm and 40% contradict, dates over 120 days, 5% from undated articles. Printed per size: the
resolver's time on all names, linking statements, the whole replay, statements and events found, and
peak RSS. `--quick`: sizes 200,1000 (a check that it works); `--markdown`: the table as a section of
docs/benchmarks.md (bench/report.py), with the command, the machine and the load average before and
after.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import UTC, datetime, timedelta

import harness

from monitor.domain import Stance
from monitor.ledger.claim_ledger import Policy, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import LedgerEntry, link_statements, source_name


def generate(n: int, sources: int, rng: random.Random) -> list[LedgerEntry]:
    words = [f"w{i}" for i in range(3000)]
    people = []
    for _ in range(sources):  # letters only: the resolver reads names as names
        given, family = ("".join(rng.choices("bcdfghklmnprstvz", k=3)).title() + "ar" for _ in range(2))
        people.append((f"{given} {family}ov", f"{family}ov"))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    said: dict[str, list[str]] = {}
    out = []
    for i in range(n):
        full, surname = people[rng.randrange(sources)]
        earlier = said.get(full)
        if earlier and rng.random() < 1 / 3:
            tokens = rng.choice(earlier).split()
            for _ in range(2):
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            sentence = " ".join(tokens)
        else:
            sentence = " ".join(rng.choices(words, k=12))
        said.setdefault(full, []).append(sentence)
        out.append(
            LedgerEntry(
                evidence_id=i,
                article_id=i // 5,
                article_key=f"a{i // 5:08d}",
                stance=Stance.CONFIRM if rng.random() < 0.6 else Stance.CONTRADICT,
                confidence=0.6 + 0.4 * rng.random(),
                sentence=f"{sentence}.",
                start=(i % 5) * 100,
                speaker=full if rng.random() < 0.5 else surname,
                via=None,
                outlet=f"Outlet{rng.randrange(50)}",
                article_outlet=f"Outlet{rng.randrange(50)}",
                published=start + timedelta(days=rng.randrange(120)),
                estimated=rng.random() < 0.05,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", help="evidence sizes (default 1000,5000,20000)")
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="sizes 200,1000 (unless --sizes is given)")
    parser.add_argument("--markdown", action="store_true", help="print a section for docs/benchmarks.md")
    args = parser.parse_args()
    sizes = args.sizes or ("200,1000" if args.quick else "1000,5000,20000")
    watch = harness.LoadWatch()
    machine = harness.machine()
    titles = ("evidence", "resolve s", "link s", "replay s", "statements", "events")
    lines = [" ".join(f"{t:>{w}}" for t, w in zip(titles, (9, 10, 8, 9, 11, 7), strict=True))]
    for size in (int(s) for s in sizes.split(",")):
        entries = generate(size, args.sources, random.Random(args.seed))
        resolver = SpeakerResolver()
        t0 = time.perf_counter()
        resolver.resolve({source_name(e) for e in entries})
        t1 = time.perf_counter()
        statements = link_statements(entries, resolver.resolve)
        t2 = time.perf_counter()
        ledger = replay(entries, Policy(), resolver.resolve)
        t3 = time.perf_counter()
        lines.append(
            f"{size:>9} {t1 - t0:>10.3f} {t2 - t1:>8.3f} {t3 - t2:>9.3f} {len(statements):>11} "
            f"{len(ledger.events):>7}"
        )
        if not args.markdown:
            print(lines[-1] if len(lines) > 2 else "\n".join(lines), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"peak RSS {peak:.0f} MB")
    load_line = watch.stop()
    if not args.markdown:
        print(lines[-1])
        return
    print("## Ledger: replaying one claim as its evidence grows\n")
    print(f"Command: `{harness.command_line('bench/ledger.py')}`\n")
    print(f"- {machine}")
    print(f"- {load_line}\n")
    print("```text")
    print("\n".join(lines))
    print("```")


if __name__ == "__main__":
    main()
