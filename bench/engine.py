"""Benchmark the default stance engine's model pass: cold articles/s of each configuration, side by side
in one run, and the verdicts each one changes against the baseline.

    python3 bench/engine.py [--n-articles 40] [--eval-pairs 60] [--configs baseline,neighbours,...]
                            [--torch-threads N] [--markdown] [--json]

Configurations (`semantic` engine options, and whether the analyzer gets a poll's batch at once):

- baseline:   `context: joined`, one article at a time, no quantisation (the engine before issue 19);
- neighbours: each sentence encoded once, the context vector from its neighbour's (`context: neighbours`);
- batched:    the same, with `Analyzer.analyze_many` on batches of `pipeline.BATCH` articles, as a poll
              stores them (one MiniLM call and one cross-encoder call per claim for the whole batch);
- int8-embeddings: the same, with MiniLM's Linear layers in dynamic int8 (`quantize: embeddings`);
- int8-all:   the same, with the inference model's too (`quantize: all`);
- default:    the engine as config/monitor.yaml builds it (its `stance:` options), batched as the
              pipeline runs it.

Each configuration runs in its own subprocess (this script with `--one NAME`): a fresh process, so the
model loads and the caches start empty. "Cold" articles are `--n-articles` copies of the five seeds
with every sentence made a new text (bench/stance.py's `cold_copy`: an invisible copy number after the
sentence's last letter), so nothing comes from the encoder's or the inference model's cache; the time
is the analyzer's alone (the models are loaded and warmed on the seeds first, untimed).

Verdicts: the five seeds (read as config/monitor.yaml's folder source reads them, analysed by each
configuration's analyzer) give one stance per (article, claim) and per evidence sentence; the eval sets
(`--eval-pairs` pairs of each of FNC-1, Emergent and ARC-test from ../shared/data/stance, drawn as
bench/stance.py draws them, judged as `monitor eval` judges them) give one stance per pair. A flip is a
stance that differs from the baseline's (an evidence sentence found by one and not the other counts).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness
from harness import ROOT

DATA = Path("/work/shared/data/stance")
EVAL_SETS: dict[str, tuple[str, str | None]] = {
    "fnc1": ("fnc1-train-pairs.jsonl.gz", "fnc1-train-bodies.jsonl.gz"),
    "emergent": ("emergent-train.jsonl.gz", None),
    "arc": ("arc-test.jsonl.gz", None),
}
CONFIGS: dict[str, tuple[dict[str, Any] | None, bool]] = {
    "baseline": ({"context": "joined", "quantize": "none"}, False),
    "neighbours": ({"context": "neighbours", "quantize": "none"}, False),
    "batched": ({"context": "neighbours", "quantize": "none"}, True),
    "int8-embeddings": ({"context": "neighbours", "quantize": "embeddings"}, True),
    "int8-all": ({"context": "neighbours", "quantize": "all"}, True),
    "default": (None, True),
}
"""name -> (semantic options, None for config/monitor.yaml's; whether batches go to analyze_many)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The child (`--one NAME`): one configuration, one JSON line


def child(name: str, args: argparse.Namespace) -> None:
    from stance import choose_pairs, cold_copy, seed_articles

    from monitor.analysis.analyzer import Analyzer
    from monitor.analysis.stance import build_engine
    from monitor.config.rules import load_rules
    from monitor.evaluate import judge_pairs, load_bodies, load_pairs
    from monitor.pipeline import BATCH

    options, batched = CONFIGS[name]
    rules = load_rules(ROOT / "config" / "monitor.yaml")
    if options is None:
        if rules.stance_kind != "semantic":
            raise SystemExit(f"config/monitor.yaml's engine is {rules.stance_kind}, not semantic")
        options = dict(rules.stance_options)
    started = time.perf_counter()
    engine = build_engine("semantic", options, rules.path.parent)
    build_seconds = time.perf_counter() - started
    torch = sys.modules.get("torch")
    if torch is not None and args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    analyzer = Analyzer(rules.topics, rules.claims, engine)

    def analyze(articles: list[Any]) -> list[Any]:
        if not batched:
            return [analyzer.analyze(a) for a in articles]
        return [
            r for i in range(0, len(articles), BATCH) for r in analyzer.analyze_many(articles[i : i + BATCH])
        ]

    seeds = seed_articles()
    seed_verdicts: dict[str, str] = {}
    for article, analysis in zip(seeds, analyze(seeds), strict=True):  # also warms the models
        for verdict in analysis.verdicts:
            seed_verdicts[f"{article.key} {verdict.claim_id}"] = verdict.stance.value
            for e in verdict.evidence:
                seed_verdicts[f"{article.key} {verdict.claim_id} #{e.sentence.index}"] = (
                    e.judgement.stance.value
                )

    copies = [cold_copy(seeds[i % len(seeds)], i) for i in range(args.n_articles)]
    log(f"[{name}] {len(copies)} cold articles ...")
    started = time.perf_counter()
    analyze(copies)
    cold_seconds = time.perf_counter() - started

    eval_verdicts: dict[str, dict[str, str]] = {}
    for set_name, (pairs_file, bodies_file) in EVAL_SETS.items():
        bodies_path = DATA / bodies_file if bodies_file else None
        if not (DATA / pairs_file).is_file():
            continue
        bodies = load_bodies(bodies_path) if bodies_path is not None else None
        pairs = choose_pairs(
            load_pairs(DATA / pairs_file, bodies, bodies_path=bodies_path), args.eval_pairs, 1
        )
        log(f"[{name}] {len(pairs)} pairs of {set_name} ...")
        eval_verdicts[set_name] = {p.id: p.stance.value for p in judge_pairs(engine, pairs)}

    row = {
        "config": name,
        "options": options,
        "batched": batched,
        "build_seconds": round(build_seconds, 2),
        "articles": len(copies),
        "cold_seconds": round(cold_seconds, 3),
        "articles_per_second_cold": round(len(copies) / cold_seconds, 3),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "seeds": seed_verdicts,
        "eval": eval_verdicts,
    }
    print(json.dumps(row), flush=True)


# ---------------------------------------------------------------------------------------------------
# The parent: one subprocess per configuration, then the table


def run_one(name: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(ROOT / "bench" / "engine.py"), "--one", name]
    command += ["--n-articles", str(args.n_articles), "--eval-pairs", str(args.eval_pairs)]
    if args.torch_threads is not None:
        command += ["--torch-threads", str(args.torch_threads)]
    log(f"[{name}] subprocess started")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"config": name, "failed": f"subprocess exited with {done.returncode} (see stderr)"}
    row: dict[str, Any] = json.loads(lines[-1])
    return row


def flips(before: dict[str, str], after: dict[str, str]) -> int:
    """Keys whose stance differs, a key present on one side only included."""
    return sum(before.get(key) != after.get(key) for key in set(before) | set(after))


def describe(row: dict[str, Any]) -> str:
    options, batching = row["options"], "batched" if row["batched"] else "one by one"
    return f"{options.get('context', 'neighbours')}, {batching}, int8 {options.get('quantize', 'none')}"


def table(rows: list[dict[str, Any]]) -> list[str]:
    ok = [r for r in rows if "failed" not in r]
    base = next((r for r in ok if r["config"] == "baseline"), ok[0] if ok else None)
    sets = sorted({s for r in ok for s in r["eval"]})
    head = ["configuration", "context, batching, quantisation", "articles/s cold", "x baseline"]
    head += ["seed verdicts flipped", "seed evidence flipped"]
    head += [f"{s} flipped" for s in sets]
    lines: list[list[str]] = [head]
    for r in ok:
        assert base is not None
        verdict_keys = {k for k in r["seeds"] | base["seeds"] if "#" not in k}
        verdicts = {k: v for k, v in r["seeds"].items() if k in verdict_keys}
        base_verdicts = {k: v for k, v in base["seeds"].items() if k in verdict_keys}
        evidence = {k: v for k, v in r["seeds"].items() if k not in verdict_keys}
        base_evidence = {k: v for k, v in base["seeds"].items() if k not in verdict_keys}
        cells = [r["config"], describe(r), f"{r['articles_per_second_cold']:.2f}"]
        cells.append(f"{r['articles_per_second_cold'] / base['articles_per_second_cold']:.2f}")
        cells.append(f"{flips(base_verdicts, verdicts)}/{len(base_verdicts)}")
        cells.append(f"{flips(base_evidence, evidence)}/{len(base_evidence)}")
        for s in sets:
            cells.append(
                f"{flips(base['eval'].get(s, {}), r['eval'].get(s, {}))}/{len(base['eval'].get(s, {}))}"
            )
        lines.append(cells)
    out = harness.aligned(lines, left=2)
    out += [f"{r['config']}: failed: {r['failed']}" for r in rows if "failed" in r]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated configurations")
    parser.add_argument("--n-articles", type=int, default=40, help="cold seed copies per configuration")
    parser.add_argument("--eval-pairs", type=int, default=60, help="pairs drawn from each eval set (0: none)")
    parser.add_argument("--torch-threads", type=int, help="torch threads (default: torch's own choice)")
    parser.add_argument("--markdown", action="store_true", help="print a section for docs/benchmarks.md")
    parser.add_argument("--json", action="store_true", help="print every row as JSON")
    parser.add_argument("--quick", action="store_true", help="3 articles and 10 pairs per set (a check)")
    parser.add_argument("--one", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.n_articles, args.eval_pairs = 3, 10
    if args.n_articles < 1 or args.eval_pairs < 0:
        parser.error("--n-articles must be at least 1 and --eval-pairs at least 0")
    if args.one:
        child(args.one, args)
        return
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = sorted(set(names) - set(CONFIGS))
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    before = harness.load()
    rows = [run_one(name, args) for name in names]
    after = harness.load()
    if args.json:
        print(json.dumps({"load_before": before, "load_after": after, "rows": rows}, indent=2))
        return
    threads = next((r["torch_threads"] for r in rows if r.get("torch_threads")), None)
    machine = harness.machine() + (f"; torch {threads} threads" if threads else "")
    command = harness.command_line("bench/engine.py")
    load = f"load average (1/5/15 min): {before} before, {after} after"
    articles = f"{args.n_articles} cold copies of the 5 seeds per configuration"
    sample = f"eval sets: {args.eval_pairs} pairs of each (seed 1); flips are against the baseline"
    body = [f"machine: {machine}", load, articles, sample, *table(rows)]
    if args.markdown:
        print("## Stance engine: cold articles/s\n")
        print(f"```sh\n{command}\n```\n")
        print("```text")
        print("\n".join(body))
        print("```")
    else:
        print(f"command: {command}")
        print("\n".join(body))


if __name__ == "__main__":
    main()
