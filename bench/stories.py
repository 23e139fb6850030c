"""Benchmark story clustering (monitor/ledger/stories.py): signatures/s, clustering time, pairwise precision
and recall, candidate pairs, peak memory, on a generated corpus of near-duplicates.

    python3 bench/stories.py [--docs 5000] [--seed 1] [--json]

The corpus is made up (reproducibly for `--seed`) of base stories and their variants, about `--docs`
documents in all:

- a base story is 10-18 sentences in 4-6 paragraphs, each sentence one of a few dozen news-like
  templates ("X said on Monday that the ... would ...") whose slots are filled from the story's topic:
  the topic's people and places, its 40 words (60% of slots) or a 6,000-word invented vocabulary;
- topics hold 1-3 stories: the later ones are DIFFERENT stories on the same event, with the same
  people, places and words, and they repeat one or two background sentences of the first verbatim
  (as follow-up reports do); they must not cluster with it;
- each base story gets 0-4 variants: `wire` (the same body between one of eight outlets' dateline
  and credits/copyright/"Read more" lines), `truncated` (the first 55-75% of the words), `light`
  rewrite (4% of the words replaced, one sentence dropped and one added, two paragraphs swapped) and
  `heavy` rewrite (10% replaced, three dropped, two added, all paragraphs after the lead reordered).

Printed: the signatures/s of `signature` alone; the time of `cluster` on all documents (signatures,
band index, verification, union-find); the candidate pairs (pairs sharing a band key, what a database
would fetch and verify), how many are of one true story and how many `same_story` accepts; pairwise
precision and recall (pairs of documents in one predicted cluster against pairs of one true story);
per variant kind, the share of variants clustered with their original and the exact Jaccard of
5-shingles against the original (median and 5th percentile); peak RSS of this process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from typing import Any

from monitor.ledger.stories import band_keys, cluster, same_story, shingles, signature

SYLLABLES = (
    "ka", "lo", "mi", "ren", "tas", "vor", "el", "an", "is", "um", "bra", "dis", "gen",
    "hol", "jut", "kre", "mar", "nel", "ost", "pra", "qui", "rot", "sel", "tur", "ul", "ves",
    "wen", "yar", "zol", "fi", "ga", "ne", "po", "ru", "sa", "te", "vi",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TEMPLATES = (
    "{name} said on {day} that the {noun} would {verb} {num} {noun2} by the end of the year.",
    "The {adj} {noun} in {place} was {verb} after {num} {noun2} were found near the {noun3}.",
    "According to {name}, the {noun} has {verb} more than {num} {noun2} since {year}.",
    "Officials in {place} told reporters that the {adj} {noun} could {verb} the {noun2} within weeks.",
    '"We will not {verb} the {noun} until the {noun2} is {adj}," {name} said.',
    "The {noun} of {place} plans to {verb} {num} new {noun2}, a spokesman for {name} said.",
    "Critics of the {adj} {noun} argued that it would {verb} the {noun2} and hurt {place}.",
    "In {year}, {name} {verb} a similar {noun} that cost about {num} million euros.",
    "The decision follows months of talks between {name} and the {noun} over the {adj} {noun2}.",
    "Analysts expect the {noun} to {verb} by {num} percent in {place} next year.",
    "{name}, who has led the {noun} since {year}, did not respond to a request for comment.",
    "More than {num} people gathered outside the {noun} in {place} on {day}.",
    "It was the {adj} {noun} of its kind in {place}, the {noun2} said in a statement.",
    "The {noun2} is expected to publish a report on the {adj} {noun} by {day}.",
    "{name} told a news conference that the {noun} had been {verb} by the {adj} {noun2}.",
    "Under the plan, the {noun} will {verb} {num} {noun2} and open an office in {place}.",
    "Shares in the {noun} rose {num} percent after the news, while the {noun2} fell.",
    "The {adj} {noun} affected about {num} {noun2} across {place}, officials said.",
    "A spokeswoman for {name} said the {noun} was working with the {noun2} to {verb} it.",
    "Residents of {place} said the {noun} had {verb} their {noun2} for years.",
    "{name} called the {noun} {adj} and said the {noun2} must {verb} it.",
    "The {noun} had been {verb} last month and no {noun2} had been found, {name} said.",
    "Police in {place} said {num} people were {verb} and the {noun} was closed.",
    "The {noun2} said it had {verb} the {adj} {noun} on {day} and would {verb2} it again.",
)
OUTLETS = (
    ("{place} (Meridian Wire) - ", "\n\nReporting by {name}; Editing by Hal Brenner\n\nCopyright Meridian "
     "Wire. All rights reserved. This material may not be published, broadcast, rewritten or redistributed."),
    ("{place}, {day} (Continental Press) — ", "\n\nRead more:\nWhat it means for {place}\n\n© Continental "
     "Press. Click here to subscribe to our morning briefing."),
    ("", "\n\nThis story was first published by Continental Press and is republished here under licence.\n\n"
     "Share this article: Facebook | X | Email"),
    ("{place} (Northern Agency) — ", "\n\n(Northern Agency) Sign up for our newsletter to get the day's news "
     "in your inbox every morning."),
    ("", "\n\nAdvertisement\n\nMore from the Coastal Herald: the latest on {place}. Comments are closed."),
    ("BY {name} | ", "\n\nRelated: {name} profile; {place} timeline. Content copyright the Evening Star."),
    ("{place} — ", "\n\nThe Daily Ledger is funded by its readers. Support independent journalism today."),
    ("({day}) ", "\n\nCorrection: an earlier version of this story misspelled a name."),
)  # fmt: skip
KINDS = ("wire", "truncated", "light", "heavy")
KIND_WEIGHTS = (0.3, 0.2, 0.3, 0.2)


@dataclass(frozen=True)
class Topic:
    names: tuple[str, ...]
    places: tuple[str, ...]
    words: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Doc:
    id: str
    story: str
    kind: str  # original, same-topic, wire, truncated, light, heavy
    text: str
    first: str | None = None  # of a same-topic story: the first story on the event


Paragraphs = list[list[str]]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = {
            "noun": self.invent(3000),
            "verb": self.invent(800),
            "adj": self.invent(700),
            "name": [w.capitalize() for w in self.invent(1000)],
            "place": [w.capitalize() for w in self.invent(500)],
        }

    def invent(self, n: int) -> list[str]:
        found: set[str] = set()
        while len(found) < n:
            found.add("".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4))))
        return sorted(found)

    def topic(self) -> Topic:
        r = self.rng
        names = tuple(f"{r.choice(self.vocab['name'])} {r.choice(self.vocab['name'])}" for _ in range(4))
        words = {cls: tuple(r.sample(self.vocab[cls], 14)) for cls in ("noun", "verb", "adj")}
        return Topic(names, tuple(r.sample(self.vocab["place"], 2)), words)

    def pick(self, topic: Topic, cls: str) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(topic.words[cls])
        return self.rng.choice(self.vocab[cls])

    def sentence(self, topic: Topic) -> str:
        r = self.rng
        slots = {
            "name": r.choice(topic.names),
            "place": r.choice(topic.places),
            "day": r.choice(DAYS),
            "num": str(r.randint(2, 900)),
            "year": str(r.randint(1990, 2024)),
            **{f"noun{i}": self.pick(topic, "noun") for i in ("", "2", "3")},
            **{f"verb{i}": self.pick(topic, "verb") for i in ("", "2")},
            "adj": self.pick(topic, "adj"),
        }
        text = r.choice(TEMPLATES).format(**slots)
        return text[0].upper() + text[1:]

    def story(self, topic: Topic, background: Sequence[str] = ()) -> Paragraphs:
        sentences = [self.sentence(topic) for _ in range(self.rng.randint(10, 18))]
        for line in background:  # a follow-up repeats background from the first report
            sentences.insert(self.rng.randint(1, len(sentences)), line)
        cuts = sorted(self.rng.sample(range(1, len(sentences)), self.rng.randint(3, 5)))
        return [sentences[a:b] for a, b in zip([0, *cuts], [*cuts, len(sentences)], strict=True)]

    def wire(self, topic: Topic, body: str) -> str:
        head, foot = self.rng.choice(OUTLETS)
        slots = {"place": topic.places[0].upper(), "day": self.rng.choice(DAYS), "name": topic.names[0]}
        return head.format(**slots) + body + foot.format(**slots)

    def truncated(self, body: str) -> str:
        words = body.split(" ")
        return " ".join(words[: int(len(words) * self.rng.uniform(0.55, 0.75))]) + self.rng.choice(
            (" […]", "…", "\n\nContinue reading", " ...")
        )

    def rewrite(self, topic: Topic, paragraphs: Paragraphs, heavy: bool) -> str:
        r = self.rng
        replace, drop, add = (0.10, 3, 2) if heavy else (0.04, 1, 1)
        paras = [[self.replace_words(s, topic, replace) for s in p] for p in paragraphs]
        for _ in range(drop):
            p = r.choice([p for p in paras if len(p) > 1] or paras)
            p.pop(r.randrange(len(p)))
        for _ in range(add):
            p = r.choice(paras)
            p.insert(r.randint(0, len(p)), self.sentence(topic))
        if heavy:
            rest = paras[1:]
            r.shuffle(rest)
            paras = [paras[0], *rest]
        else:
            i = r.randrange(1, len(paras) - 1)
            paras[i], paras[i + 1] = paras[i + 1], paras[i]
        return render([p for p in paras if p])

    def replace_words(self, sentence: str, topic: Topic, share: float) -> str:
        words = sentence.split(" ")
        for i in range(len(words)):
            if self.rng.random() < share:
                words[i] = self.pick(topic, self.rng.choice(("noun", "verb", "adj")))
        return " ".join(words)


def render(paragraphs: Paragraphs) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs)


def generate(size: int, seed: int) -> list[Doc]:
    gen = Generator(seed)
    r = gen.rng
    docs: list[Doc] = []
    n_story = 0
    while len(docs) < size:
        topic = gen.topic()
        first: Paragraphs = []
        first_id = f"s{n_story:05d}"
        for position in range(r.choice((1, 1, 2, 3))):
            sid = f"s{n_story:05d}"
            n_story += 1
            flat = [s for p in first for s in p]
            background = r.sample(flat, r.randint(1, 2)) if position else []
            paras = gen.story(topic, background)
            first = first or paras
            body = render(paras)
            if position:
                docs.append(Doc(f"{sid}/original", sid, "same-topic", body, first=first_id))
            else:
                docs.append(Doc(f"{sid}/original", sid, "original", body))
            for n, kind in enumerate(r.choices(KINDS, KIND_WEIGHTS, k=r.choice((0, 1, 2, 2, 3, 4)))):
                if kind == "wire":
                    text = gen.wire(topic, body)
                elif kind == "truncated":
                    text = gen.truncated(body)
                else:
                    text = gen.rewrite(topic, paras, heavy=kind == "heavy")
                docs.append(Doc(f"{sid}/{kind}-{n}", sid, kind, text))
    return docs[:size]


def pair_count(groups: Sequence[Sequence[str]] | Sequence[set[str]]) -> int:
    return sum(comb(len(g), 2) for g in groups)


def measure(docs: list[Doc]) -> dict[str, Any]:
    texts = [d.text for d in docs]
    signature("warm up")  # imports datasketch and draws the permutations, once per process: not timed
    started = time.perf_counter()
    signatures = [signature(t) for t in texts]
    signature_seconds = time.perf_counter() - started

    started = time.perf_counter()
    clusters = cluster([(d.id, d.text) for d in docs])
    cluster_seconds = time.perf_counter() - started

    story_of = {d.id: d.story for d in docs}
    by_story: dict[str, list[str]] = {}
    for d in docs:
        by_story.setdefault(d.story, []).append(d.id)
    cells = Counter((n, story_of[i]) for n, group in enumerate(clusters) for i in group)
    right = sum(comb(c, 2) for c in cells.values())
    predicted, true = pair_count(clusters), pair_count(list(by_story.values()))

    buckets: dict[str, list[int]] = {}
    for i, sig in enumerate(signatures):
        for key in band_keys(sig):
            buckets.setdefault(key, []).append(i)
    candidates = {(i, j) for m in buckets.values() for n, i in enumerate(m) for j in m[n + 1 :]}
    same = sum(docs[i].story == docs[j].story for i, j in candidates)
    accepted = sum(same_story(signatures[i], signatures[j]) for i, j in candidates)

    cluster_of = {i: n for n, group in enumerate(clusters) for i in group}
    by_kind: dict[str, dict[str, Any]] = {}
    originals = {d.story: d for d in docs if d.kind in ("original", "same-topic")}
    for kind in KINDS:
        variants = [d for d in docs if d.kind == kind and d.story in originals]
        joined = sum(cluster_of[d.id] == cluster_of[originals[d.story].id] for d in variants)
        jaccards = sorted(jaccard(d.text, originals[d.story].text) for d in variants)
        by_kind[kind] = {
            "documents": len(variants),
            "with_original": round(joined / len(variants), 4) if variants else None,
            "jaccard_median": round(statistics.median(jaccards), 3) if jaccards else None,
            "jaccard_p5": round(jaccards[len(jaccards) // 20], 3) if jaccards else None,
        }
    followers = [(d, originals[d.first]) for d in docs if d.first is not None]
    apart = sum(cluster_of[d.id] != cluster_of[first.id] for d, first in followers)
    jaccards = sorted(jaccard(d.text, first.text) for d, first in followers)
    by_kind["same-topic"] = {
        "documents": len(followers),
        "apart_from_first": round(apart / len(followers), 4) if followers else None,
        "jaccard_median": round(statistics.median(jaccards), 3) if jaccards else None,
        "jaccard_p95": round(jaccards[len(jaccards) * 19 // 20], 3) if jaccards else None,
    }
    return {
        "documents": len(docs),
        "stories": len(by_story),
        "same_topic_stories": sum(d.kind == "same-topic" for d in docs),
        "mean_words": round(statistics.mean(len(t.split()) for t in texts), 1),
        "signature_seconds": round(signature_seconds, 3),
        "signatures_per_second": round(len(docs) / signature_seconds, 1),
        "cluster_seconds": round(cluster_seconds, 3),
        "clusters": len(clusters),
        "candidate_pairs": len(candidates),
        "candidate_pairs_same_story": same,
        "candidate_pairs_accepted": accepted,
        "true_pairs": true,
        "predicted_pairs": predicted,
        "precision": round(right / predicted, 4) if predicted else 1.0,
        "recall": round(right / true, 4) if true else 1.0,
        "by_kind": by_kind,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def report(row: dict[str, Any], header: str) -> None:
    print(header)
    lines = [
        ("documents", f"{row['documents']} ({row['stories']} stories, {row['same_topic_stories']} of them "
                      f"a second or third story on an event; {row['mean_words']} words on average)"),
        ("signatures/s", f"{row['signatures_per_second']:.0f} ({row['signature_seconds']:.2f} s)"),
        ("cluster() s", f"{row['cluster_seconds']:.2f} (signatures, band index, verification; "
                        f"{row['clusters']} clusters)"),
        ("candidate pairs", f"{row['candidate_pairs']} ({row['candidate_pairs'] / row['documents']:.2f} per "
                            f"document; {row['candidate_pairs_same_story']} of one story, "
                            f"{row['candidate_pairs_accepted']} accepted by same_story)"),
        ("pairwise precision", f"{row['precision']:.4f} ({row['predicted_pairs']} predicted pairs)"),
        ("pairwise recall", f"{row['recall']:.4f} ({row['true_pairs']} true pairs)"),
    ]  # fmt: skip
    for kind, k in row["by_kind"].items():
        if not k["documents"]:
            continue
        if kind == "same-topic":
            value = (
                f"{k['documents']} docs, {k['apart_from_first']:.3f} apart from the first story on the "
                f"event; Jaccard vs it median {k['jaccard_median']:.2f}, 95th pct {k['jaccard_p95']:.2f}"
            )
        else:
            value = (
                f"{k['documents']} docs, {k['with_original']:.3f} with their original; "
                f"Jaccard vs original median {k['jaccard_median']:.2f}, 5th pct {k['jaccard_p5']:.2f}"
            )
        lines.append((f"  {kind}", value))
    lines.append(("peak RSS MB", f"{row['peak_rss_mb']:.0f}"))
    width = max(len(title) for title, _ in lines)
    for title, value in lines:
        print(f"{title.ljust(width)}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=5000, help="documents to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated corpus (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()

    load_before = os.getloadavg()
    started = time.perf_counter()
    docs = generate(args.docs, args.seed)
    generate_seconds = time.perf_counter() - started
    row = measure(docs)
    load_after = os.getloadavg()
    command = " ".join(["python", "bench/stories.py", *sys.argv[1:]])
    if args.json:
        print(json.dumps({"command": command, "seed": args.seed, **row}, indent=2))
        return
    loads = "/".join(f"{x:.1f}" for x in load_before), "/".join(f"{x:.1f}" for x in load_after)
    header = (
        f"machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) {loads[0]} before, {loads[1]} after\n"
        f"command: {command}\n"
        f"corpus:  generated in {generate_seconds:.1f} s (seed {args.seed})"
    )
    report(row, header)


if __name__ == "__main__":
    main()
