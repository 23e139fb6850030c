"""Benchmark the stance engines: build time, pairs/s, articles/s (cold and cached), evidence, peak memory.

    python3 bench/stance.py [--n-pairs 1000] [--n-articles 200] [--engines rules,semantic,nli,llm]
                            [--nli-model DIR] [--llm-url URL --llm-model NAME] [--torch-threads N]
                            [--baseline REF [--baseline-engines semantic]] [--json]

Each engine is measured in its own subprocess (this script again, with `--one KIND`), so the model
load and the peak RSS belong to that engine alone. Per engine:

- build: the wall time of `monitor.analysis.stance.build_engine` (for `semantic`: importing torch and loading
  the MiniLM model; options from config/monitor.yaml when its `stance.kind` is that engine);
- pairs/s: claim-article pairs judged exactly as `monitor eval` judges them (`judge_text` on
  `claim_from_text(...)`, grouped by body so per-body caching works). The pairs are those of bodies
  drawn at random (`--seed`, default 1) until `--n-pairs`, from `--pairs` joined with `--bodies`;
- articles/s: the whole analyzer (`Analyzer(rules.topics, rules.claims, engine)`, rules from
  `config/monitor.yaml`) on `--n-articles` copies of the five seeds, read as the folder source reads
  them. "cached" cycles the seeds unchanged after one untimed pass, so the semantic engine's embedding
  cache (monitor/analysis/embeddings.py) answers every sentence; "cold" makes every sentence of every
  copy a new text by inserting an invisible copy number (zero-width characters, dropped by the
  tokenizer) after its last letter or digit, so the model does the same work as on the seeds but
  nothing comes from the cache;
- evidence: evidence sentences per seed article (mean of the cached run);
- peak RSS of the subprocess (which also holds the chosen pairs and the rules).

The header gives the CPUs, torch's thread count (`--torch-threads` sets it after the build) and the
load average before and after: on a busy machine torch's threads compete with other processes.

`nli` uses `--nli-model` (a local Hugging Face NLI cross-encoder directory) or, without it, the model
shipped in the package; `llm` needs `--llm-url` and `--llm-model` and is skipped without them.

`--baseline REF` measures the `--baseline-engines` (default `semantic`) once more as the git commit REF
had them, in the same run on the same pairs and articles: the script checks REF out into a temporary
git worktree and runs its own `--one KIND` there (rows named `KIND@REF`). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.domain import Article
    from monitor.evaluate import Pair

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/stance")
KINDS = ("rules", "semantic", "nli", "llm")
INVISIBLE = {"0": "\u200b", "1": "\u200c"}  # zero-width space / non-joiner: Unicode "Cf", not letters


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# The parent: choose the pairs once, run one subprocess per engine, print the table


def choose_pairs(pairs: list[Pair], size: int, seed: int) -> list[Pair]:
    """The pairs of bodies drawn at random (reproducibly for `seed`) until `size` pairs, in the order
    `monitor eval` judges them (by body, then claim)."""
    by_body: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_body.setdefault(pair.body_key, []).append(pair)
    keys = sorted(by_body)
    random.Random(seed).shuffle(keys)
    chosen: list[Pair] = []
    for key in keys:
        if len(chosen) >= size:
            break
        chosen.extend(by_body[key])
    return sorted(chosen[:size], key=lambda p: (p.body_key, p.claim))


def write_sample(pairs: list[Pair], pairs_path: Path, bodies_path: Path) -> None:
    """The chosen pairs as a data set `monitor.evaluate.load_pairs` reads back (bodies by id)."""
    bodies: dict[str, str] = {}
    with pairs_path.open("w", encoding="utf-8") as out:
        for p in pairs:
            record: dict[str, str] = {"id": p.id, "claim": p.claim, "article_title": p.title}
            record["stance"] = p.gold.value
            if p.body_key.startswith("id:"):
                record["body_id"] = p.body_key.removeprefix("id:")
                bodies[record["body_id"]] = p.body
            else:
                record["article_body"] = p.body
            out.write(json.dumps(record) + "\n")
    with bodies_path.open("w", encoding="utf-8") as out:
        for body_id, body in bodies.items():
            out.write(json.dumps({"body_id": body_id, "article_body": body}) + "\n")


def skip_reason(kind: str, args: argparse.Namespace) -> str | None:
    if kind == "llm" and (args.llm_url is None or args.llm_model is None):
        return "no --llm-url/--llm-model given"
    return None


def run_one(
    kind: str, args: argparse.Namespace, pairs_path: Path, bodies_path: Path, root: Path = ROOT
) -> dict[str, Any]:
    """Measure one engine in a subprocess (with the code of `root`, a checkout); its stderr (progress)
    passes through."""
    command = [sys.executable, str(root / "bench" / "stance.py"), "--one", kind]
    command += ["--pairs", str(pairs_path), "--bodies", str(bodies_path)]
    command += ["--n-articles", str(args.n_articles)]
    if args.torch_threads is not None:
        command += ["--torch-threads", str(args.torch_threads)]
    if args.nli_model is not None:
        command += ["--nli-model", str(args.nli_model)]
    if args.llm_url is not None and args.llm_model is not None:
        command += ["--llm-url", args.llm_url, "--llm-model", args.llm_model]
    log(f"[{kind}] subprocess started in {root}")
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"engine": kind, "failed": f"subprocess exited with {done.returncode} (see stderr)"}
    row: dict[str, Any] = json.loads(lines[-1])
    return row


def baseline_rows(
    args: argparse.Namespace, pairs_path: Path, bodies_path: Path, where: Path
) -> list[dict[str, Any]]:
    """The baseline engines measured with the code of commit `args.baseline`, from a git worktree."""
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", "-q", str(where), args.baseline], check=True)
    try:
        rows = []
        for kind in [k.strip() for k in args.baseline_engines.split(",") if k.strip()]:
            row = run_one(kind, args, pairs_path, bodies_path, root=where)
            rows.append({**row, "engine": f"{kind}@{args.baseline}"})
        return rows
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(where)], check=False)


def command_line() -> str:
    return " ".join(["python", "bench/stance.py", *sys.argv[1:]])


def print_table(rows: list[dict[str, Any]], header: str) -> None:
    print(header)
    columns = (
        ("engine", "engine", "{}"),
        ("build s", "build_seconds", "{:.2f}"),
        ("pairs/s", "pairs_per_second", "{:.1f}"),
        ("articles/s cold", "articles_per_second_cold", "{:.1f}"),
        ("articles/s cached", "articles_per_second_cached", "{:.1f}"),
        ("evidence/article", "evidence_per_article", "{:.1f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    )
    table = [[title for title, _, _ in columns]]
    notes = []
    for row in rows:
        note = row.get("skipped") or row.get("failed")
        if note:
            notes.append(f"{row['engine']}: {'skipped' if 'skipped' in row else 'failed'}: {note}")
            continue
        table.append([fmt.format(row[key]) for _, key, fmt in columns])
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        cells = [line[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True))]
        print("  ".join(cells))
    for note in notes:
        print(note)


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.1f}" for x in values)


def parent(args: argparse.Namespace) -> None:
    from monitor.evaluate import DataError, load_bodies, load_pairs

    kinds = [k.strip() for k in args.engines.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise SystemExit(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(KINDS)}")
    load_before = os.getloadavg()
    log(f"reading {args.pairs} ...")
    try:
        bodies = load_bodies(args.bodies) if args.bodies is not None else None
        pairs = choose_pairs(load_pairs(args.pairs, bodies, bodies_path=args.bodies), args.n_pairs, args.seed)
    except DataError as exc:
        raise SystemExit(f"error: {exc}") from exc
    distinct = len({p.body_key for p in pairs})

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        pairs_path, bodies_path = Path(tmp, "pairs.jsonl"), Path(tmp, "bodies.jsonl")
        write_sample(pairs, pairs_path, bodies_path)
        for kind in kinds:
            reason = skip_reason(kind, args)
            if reason is not None:
                log(f"[{kind}] skipped: {reason}")
                rows.append({"engine": kind, "skipped": reason})
            else:
                rows.append(run_one(kind, args, pairs_path, bodies_path))
        if args.baseline:
            rows += baseline_rows(args, pairs_path, bodies_path, Path(tmp) / "baseline")

    threads = next((r["torch_threads"] for r in rows if r.get("torch_threads")), None)
    load_after = os.getloadavg()
    machine = f"{os.cpu_count()} CPUs" + (f", torch {threads} threads" if threads else "")
    header = (
        f"machine: {machine}; load average (1, 5, 15 min) {_load(load_before)} before, "
        f"{_load(load_after)} after\n"
        f"command: {command_line()}\n"
        f"pairs:   {len(pairs)} from {distinct} distinct bodies of {args.pairs.name} (seed {args.seed}); "
        f"articles: {args.n_articles} copies of the 5 seeds"
    )
    if args.json:
        summary = {
            "cpus": os.cpu_count(),
            "torch_threads": threads,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "command": command_line(),
            "pairs": len(pairs),
            "distinct_bodies": distinct,
            "articles": args.n_articles,
            "engines": rows,
        }
        print(json.dumps(summary, indent=2))
    else:
        print_table(rows, header)


# ---------------------------------------------------------------------------------------------------
# The child (`--one KIND`): measure one engine, print one JSON line


def engine_options(
    kind: str, args: argparse.Namespace, rules_kind: str, rules_options: dict[str, Any]
) -> dict[str, Any]:
    from monitor.config.rules import StanceChoice
    from monitor.evaluate import choose_engine

    _, options = choose_engine(kind, rules_kind, rules_options, StanceChoice().kind)
    if kind == "nli" and args.nli_model is not None:
        options["model"] = str(args.nli_model)
    if kind == "llm":
        options.update(url=args.llm_url, model=args.llm_model)
    return options


def seed_articles() -> list[Article]:
    """The five seeds, read as the folder source of config/monitor.yaml reads them."""
    from monitor.ingest.article import to_article
    from monitor.ingest.sources.base import Item, SourceState
    from monitor.ingest.sources.folder import FolderOptions

    source = FolderOptions(name="seeds", kind="folder", path=ROOT / "seeds").build()
    items = [item for item in source.poll(SourceState()).items if isinstance(item, Item)]
    return [to_article(document) for item in items for document in item.read()]


def tag(number: int) -> str:
    return "".join(INVISIBLE[bit] for bit in f"{number:b}")


def cold_copy(article: Article, number: int) -> Article:
    """The article with every sentence made a new text: the copy number, in zero-width characters,
    after the sentence's last letter or digit (so words, punctuation and splitting are unchanged)."""
    from monitor.analysis.sentences import split_sentences

    text = article.text
    for sentence in reversed(split_sentences(text)):
        last = max((i for i, ch in enumerate(sentence.text) if ch.isalnum()), default=None)
        if last is not None:
            at = sentence.start + last + 1
            text = text[:at] + tag(number) + text[at:]
    return dataclasses.replace(article, key=f"{article.key}#{number}", text=text)


def child(kind: str, args: argparse.Namespace) -> None:
    from monitor.analysis.analyzer import Analyzer
    from monitor.analysis.stance import build_engine
    from monitor.config.rules import load_rules
    from monitor.evaluate import judge_pairs, load_bodies, load_pairs

    rules = load_rules(ROOT / "config" / "monitor.yaml")
    options = engine_options(kind, args, rules.stance_kind, rules.stance_options)
    log(f"[{kind}] building the engine ...")
    started = time.perf_counter()
    engine = build_engine(kind, options, rules.path.parent)
    build_seconds = time.perf_counter() - started
    log(f"[{kind}] built in {build_seconds:.2f} s")
    torch = sys.modules.get("torch")
    if torch is not None and args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)

    bodies = load_bodies(args.bodies) if args.bodies is not None else None
    pairs = load_pairs(args.pairs, bodies, bodies_path=args.bodies)
    step = max(1, len(pairs) // 10)
    counted = [0]

    def advance(n: int) -> None:
        counted[0] += n
        if counted[0] % step == 0 or counted[0] == len(pairs):
            elapsed = time.perf_counter() - started
            log(f"[{kind}] pairs {counted[0]}/{len(pairs)} ({counted[0] / elapsed:.1f}/s)")

    started = time.perf_counter()
    judge_pairs(engine, pairs, advance=advance)
    pair_seconds = time.perf_counter() - started

    analyzer = Analyzer(rules.topics, rules.claims, engine)
    seeds = seed_articles()
    for article in seeds:  # untimed: warms the model and, for "cached", the embedding cache
        analyzer.analyze(article)
    count = args.n_articles

    log(f"[{kind}] analyzing {count} cached articles ...")
    evidence = 0
    started = time.perf_counter()
    for i in range(count):
        evidence += sum(len(v.evidence) for v in analyzer.analyze(seeds[i % len(seeds)]).verdicts)
    cached_seconds = time.perf_counter() - started

    copies = [cold_copy(seeds[i % len(seeds)], i) for i in range(count)]
    log(f"[{kind}] analyzing {count} cold articles ...")
    cold_evidence = 0
    started = time.perf_counter()
    for article in copies:
        cold_evidence += sum(len(v.evidence) for v in analyzer.analyze(article).verdicts)
    cold_seconds = time.perf_counter() - started

    torch = sys.modules.get("torch")  # the nli/llm engines may load it only on first use
    row = {
        "engine": kind,
        "build_seconds": round(build_seconds, 3),
        "pairs": len(pairs),
        "distinct_bodies": len({p.body_key for p in pairs}),
        "pair_seconds": round(pair_seconds, 3),
        "pairs_per_second": round(len(pairs) / pair_seconds, 2),
        "articles": count,
        "cold_seconds": round(cold_seconds, 3),
        "articles_per_second_cold": round(count / cold_seconds, 2),
        "cached_seconds": round(cached_seconds, 3),
        "articles_per_second_cached": round(count / cached_seconds, 2),
        "evidence_per_article": round(evidence / count, 2),
        "evidence_per_article_cold": round(cold_evidence / count, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
    }
    print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default=",".join(KINDS), help="comma-separated engine kinds")
    parser.add_argument("--n-pairs", type=int, default=1000, help="claim-article pairs to judge")
    parser.add_argument("--n-articles", type=int, default=200, help="articles to analyze (cold and cached)")
    parser.add_argument("--pairs", type=Path, default=DATA / "fnc1-train-pairs.jsonl.gz")
    parser.add_argument("--bodies", type=Path, default=DATA / "fnc1-train-bodies.jsonl.gz")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies drawn")
    parser.add_argument("--nli-model", type=Path, help="local Hugging Face NLI cross-encoder directory")
    parser.add_argument("--llm-url", help="OpenAI-compatible API base URL, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--llm-model", help="model name for --llm-url")
    parser.add_argument("--torch-threads", type=int, help="torch threads (default: torch's own choice)")
    parser.add_argument("--baseline", help="also measure the baseline engines as this git commit had them")
    parser.add_argument("--baseline-engines", default="semantic", help="engines measured at --baseline")
    parser.add_argument("--json", action="store_true", help="print all rows as JSON")
    parser.add_argument("--one", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if (args.llm_url is None) != (args.llm_model is None):
        parser.error("--llm-url and --llm-model go together")
    if args.n_pairs < 1 or args.n_articles < 1:
        parser.error("--n-pairs and --n-articles must be at least 1")
    if args.one:
        child(args.one, args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
