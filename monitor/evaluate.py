"""Measure a stance engine on a labelled claim-stance data set (`monitor eval`).

The data set is the normalised format of the shared stance data: one JSON object per line (plain or
gzip) with `id`, `claim`, `article_title`, `article_body` and `stance` (confirm / contradict / discuss /
unrelated). FNC-1 pairs carry `body_id` instead of the body; they are joined with a bodies file of
`{"body_id", "article_body"}` lines. A file that cannot be read raises `DataError`, whose message names
the file and the line.

Natural-language-inference sets (`{"premise", "hypothesis", "label"}`, as in ../shared/data/nli) are
read too: the hypothesis is the claim and the premise the article. Entailment is `confirm`,
contradiction `contradict` and neutral `discuss`; a prediction of `unrelated` counts as neutral
(`discuss`), since NLI has no such class. Two-way `not_entailment` pairs cannot be given one stance
and are left out (`load_pairs` counts them in `skipped`).

Each pair is judged as the pipeline reads an article (`monitor.analysis.analyzer.judge_text`:
headline = claim, the entity gate, the claim's sentences, the engine, the article verdict). Pairs are
judged grouped by body, so engines that cache per-body work reuse it; predictions keep the input order.

The metrics are pure functions of gold and predicted labels: per-class precision, recall and F1,
macro-F1 over the classes present in the gold labels, accuracy, the FNC-1 weighted score and a
confusion matrix (gold rows x predicted columns).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rich.console import Group, RenderableType
from rich.table import Table

from monitor.analysis.analyzer import judge_text
from monitor.analysis.match import claim_from_text
from monitor.analysis.stance import StanceEngine
from monitor.domain import ClaimSpec, Stance

LABELS: tuple[Stance, ...] = (Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS, Stance.UNRELATED)
_GZIP_MAGIC = b"\x1f\x8b"


# ---------------------------------------------------------------------------------------------------
# Reading a data set


class DataError(Exception):
    """A data set or bodies file cannot be used; the message names the file and, if any, the line."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One labelled claim-article pair. `body_key` is equal for pairs that share a body."""

    id: str
    claim: str
    title: str
    body: str
    gold: Stance
    body_key: str
    nli: bool = False  # an inference pair: `unrelated` is scored as neutral (`discuss`)


def _open_text(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (`file:line`, object) for each non-blank line. Raises DataError."""
    try:
        handle = _open_text(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    number = 0
    try:
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
                if not isinstance(record, dict):
                    raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
                yield where, record
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise DataError(f"{path}:{number + 1}: cannot read: {exc}") from exc


_OPTIONAL_TEXT = frozenset({"article_title", "article_body"})


def _text(record: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise DataError(f"{where}: missing {key!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DataError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    if value == "None" and key in _OPTIONAL_TEXT:
        return ""  # how the shared data sets write a missing title (ARC) or body (Emergent)
    return str(value)


def _stance(value: Any, where: str) -> Stance:
    try:
        return Stance(value)
    except (ValueError, TypeError):
        known = ", ".join(LABELS)
        raise DataError(f"{where}: unknown stance {value!r} (expected one of {known})") from None


def load_bodies(path: Path) -> dict[str, str]:
    """Read a bodies file: `{"body_id": ..., "article_body": ...}` per line. Raises DataError."""
    bodies: dict[str, str] = {}
    for where, record in _records(path):
        bodies[_text(record, "body_id", where, required=True)] = _text(record, "article_body", where)
    return bodies


_NLI_STANCE = {"entailment": Stance.CONFIRM, "contradiction": Stance.CONTRADICT, "neutral": Stance.DISCUSS}


def load_pairs(
    path: Path,
    bodies: Mapping[str, str] | None = None,
    *,
    bodies_path: Path | None = None,
    limit: int | None = None,
    skipped: list[str] | None = None,
) -> list[Pair]:
    """Read the first `limit` (default: all) pairs of a data set, joining `body_id`s with `bodies`.
    Inference pairs that cannot be scored (two-way `not_entailment`) are left out, their ids
    appended to `skipped` when given.

    Raises DataError for an unreadable file, a bad line, a missing field, an unknown stance label, a
    `body_id` with no bodies given, or a `body_id` the bodies do not have.
    """
    pairs: list[Pair] = []
    for number, (where, record) in enumerate(_records(path)):
        if limit is not None and len(pairs) >= limit:
            break
        if "premise" in record and "claim" not in record:
            pair = _inference_pair(record, where, number)
            if pair is None:
                if skipped is not None:
                    skipped.append(str(record.get("id", number)))
            else:
                pairs.append(pair)
            continue
        body, body_key = _body(record, where, bodies, bodies_path)
        pairs.append(
            Pair(
                id=_text(record, "id", where, required=True),
                claim=_text(record, "claim", where, required=True),
                title=_text(record, "article_title", where),
                body=body,
                gold=_stance(record.get("stance"), where),
                body_key=body_key,
            )
        )
    if not pairs:
        raise DataError(f"{path}: no pairs")
    return pairs


def _inference_pair(record: Mapping[str, Any], where: str, number: int) -> Pair | None:
    """An NLI record as a claim-article pair, or None for a label no stance stands for."""
    label = record.get("label")
    if label == "not_entailment":
        return None
    if label not in _NLI_STANCE:
        raise DataError(
            f"{where}: unknown inference label {label!r} (expected one of {', '.join(_NLI_STANCE)})"
        )
    premise = _text(record, "premise", where, required=True)
    return Pair(
        id=_text(record, "id", where) or str(number),
        claim=_text(record, "hypothesis", where, required=True),
        title="",
        body=premise,
        gold=_NLI_STANCE[label],
        body_key="text:" + hashlib.blake2b(premise.encode(), digest_size=12).hexdigest(),
        nli=True,
    )


def _body(
    record: Mapping[str, Any], where: str, bodies: Mapping[str, str] | None, bodies_path: Path | None
) -> tuple[str, str]:
    """The pair's body and its grouping key."""
    if record.get("body_id") is None:
        body = _text(record, "article_body", where)
        return body, "text:" + hashlib.blake2b(body.encode(), digest_size=12).hexdigest()
    body_id = _text(record, "body_id", where)
    if bodies is None:
        raise DataError(
            f"{where}: the pair has a body_id ({body_id}) but no bodies file was given (--bodies)"
        )
    if body_id not in bodies:
        raise DataError(f"{where}: body_id {body_id} is not in {bodies_path or 'the bodies file'}")
    return bodies[body_id], f"id:{body_id}"


def sample_pairs(pairs: Sequence[Pair], size: int, seed: int) -> list[Pair]:
    """`size` pairs drawn at random (reproducibly for a `seed`), kept in input order."""
    chosen = random.Random(seed).sample(range(len(pairs)), min(size, len(pairs)))
    return [pairs[i] for i in sorted(chosen)]


def choose_engine(
    kind: str | None, rules_kind: str | None, rules_options: Mapping[str, Any], default_kind: str
) -> tuple[str, dict[str, Any]]:
    """The engine kind and options to measure: `kind` if given (else the rules file's kind, else
    `default_kind`), with the rules file's options only when the kinds match."""
    chosen = kind or rules_kind or default_kind
    return chosen, dict(rules_options) if chosen == rules_kind else {}


# ---------------------------------------------------------------------------------------------------
# Judging


@dataclass(frozen=True, slots=True)
class Prediction:
    id: str
    gold: Stance
    stance: Stance
    confidence: float


def judge_pairs(
    engine: StanceEngine, pairs: Sequence[Pair], advance: Callable[[int], None] | None = None
) -> list[Prediction]:
    """Judge every pair; returns the predictions in input order.

    Pairs are judged grouped by body (then claim), and each distinct claim text is turned into a
    claim spec once. `advance(1)` is called after each pair (a progress bar).
    """
    claims: dict[str, ClaimSpec] = {}
    done: dict[int, Prediction] = {}
    for index in sorted(range(len(pairs)), key=lambda i: (pairs[i].body_key, pairs[i].claim)):
        pair = pairs[index]
        claim = claims.get(pair.claim)
        if claim is None:
            claim = claims[pair.claim] = claim_from_text(f"claim-{len(claims)}", pair.claim)
        verdict = judge_text(engine, claim, pair.title, pair.body)
        stance = verdict.stance
        if pair.nli and stance is Stance.UNRELATED:
            stance = Stance.DISCUSS  # inference sets have one neutral class
        done[index] = Prediction(pair.id, pair.gold, stance, verdict.confidence)
        if advance is not None:
            advance(1)
    return [done[i] for i in range(len(pairs))]


def write_predictions(path: Path, predictions: Sequence[Prediction]) -> None:
    """One JSON line per prediction, in order: `{"id", "stance", "gold", "confidence"}`."""
    with path.open("w", encoding="utf-8") as handle:
        for p in predictions:
            line = {"id": p.id, "stance": p.stance.value, "gold": p.gold.value, "confidence": p.confidence}
            handle.write(json.dumps(line) + "\n")


# ---------------------------------------------------------------------------------------------------
# Metrics (pure)

Confusion = dict[Stance, dict[Stance, int]]


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Precision, recall and F1 of one class; `support` gold pairs, `predicted` predicted pairs.
    A ratio whose denominator is 0 is 0.0."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True, slots=True)
class FncScore:
    """The FNC-1 weighted score: per pair +0.25 when gold and prediction agree on related/unrelated,
    +0.75 more when gold is related (not `unrelated`) and the prediction equals it."""

    raw: float
    max: float

    @property
    def percent(self) -> float:
        return 100.0 * self.raw / self.max if self.max else 0.0


@dataclass(frozen=True, slots=True)
class Scores:
    pairs: int
    classes: dict[Stance, ClassScore]
    macro_f1: float
    macro_classes: tuple[Stance, ...]
    accuracy: float
    fnc: FncScore
    confusion: Confusion


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def confusion_matrix(gold: Sequence[Stance], predicted: Sequence[Stance]) -> Confusion:
    """Counts by gold label (rows) and predicted label (columns), every label present."""
    matrix = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        matrix[g][p] += 1
    return matrix


def class_scores(confusion: Confusion) -> dict[Stance, ClassScore]:
    scores = {}
    for label in LABELS:
        hits = confusion[label][label]
        support = sum(confusion[label].values())
        predicted = sum(row[label] for row in confusion.values())
        precision, recall = _ratio(hits, predicted), _ratio(hits, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        scores[label] = ClassScore(precision, recall, f1, support, predicted)
    return scores


def macro_f1(scores: Mapping[Stance, ClassScore]) -> tuple[float, tuple[Stance, ...]]:
    """The mean F1 over the classes present in the gold labels (support > 0), and those classes."""
    present = tuple(label for label, s in scores.items() if s.support > 0)
    return _ratio(sum(scores[label].f1 for label in present), len(present)), present


def accuracy(confusion: Confusion) -> float:
    total = sum(sum(row.values()) for row in confusion.values())
    return _ratio(sum(confusion[label][label] for label in LABELS), total)


def fnc_score(gold: Sequence[Stance], predicted: Sequence[Stance]) -> FncScore:
    raw = best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        related = g is not Stance.UNRELATED
        best += 1.0 if related else 0.25
        if related == (p is not Stance.UNRELATED):
            raw += 0.25
        if related and p is g:
            raw += 0.75
    return FncScore(raw, best)


def score(gold: Sequence[Stance], predicted: Sequence[Stance]) -> Scores:
    """Every metric of `predicted` against `gold` (same length)."""
    confusion = confusion_matrix(gold, predicted)
    classes = class_scores(confusion)
    macro, present = macro_f1(classes)
    return Scores(
        len(gold), classes, macro, present, accuracy(confusion), fnc_score(gold, predicted), confusion
    )


# ---------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True, slots=True)
class Report:
    data: Path
    bodies: Path | None
    engine: str
    scores: Scores
    build_seconds: float
    judge_seconds: float

    @property
    def pairs_per_second(self) -> float:
        return _ratio(self.scores.pairs, self.judge_seconds)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON of `monitor eval --json` (documented in the README)."""
        s = self.scores
        return {
            "data": str(self.data),
            "bodies": str(self.bodies) if self.bodies else None,
            "engine": self.engine,
            "pairs": s.pairs,
            "classes": {
                label.value: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                    "predicted": c.predicted,
                }
                for label, c in s.classes.items()
            },
            "macro_f1": round(s.macro_f1, 4),
            "macro_f1_classes": [label.value for label in s.macro_classes],
            "accuracy": round(s.accuracy, 4),
            "fnc": {"score": s.fnc.raw, "max": s.fnc.max, "percent": round(s.fnc.percent, 2)},
            "confusion": {g.value: {p.value: n for p, n in row.items()} for g, row in s.confusion.items()},
            "engine_build_seconds": round(self.build_seconds, 3),
            "judge_seconds": round(self.judge_seconds, 3),
            "pairs_per_second": round(self.pairs_per_second, 1),
        }


def render(report: Report) -> RenderableType:
    """The report for people: per-class table, summary line, confusion matrix, throughput."""
    s = report.scores
    summary = (
        f"[bold]macro-F1[/] {s.macro_f1:.3f} (over {', '.join(s.macro_classes)})  "
        f"[bold]accuracy[/] {s.accuracy:.3f}  "
        f"[bold]FNC score[/] {s.fnc.percent:.1f}% ({s.fnc.raw:g} of {s.fnc.max:g})"
    )
    speed = (
        f"judged {s.pairs} pairs in {report.judge_seconds:.2f} s: [bold]{report.pairs_per_second:.1f} "
        f"pairs/s[/] (engine built in {report.build_seconds:.2f} s)"
    )
    return Group(_class_table(report), summary, _confusion_table(s.confusion), speed)


def _class_table(report: Report) -> Table:
    table = Table(title=f"{report.engine} on {report.data.name}: {report.scores.pairs} pairs")
    table.add_column("class")
    for column in ("precision", "recall", "F1", "support", "predicted"):
        table.add_column(column, justify="right")
    for label, c in report.scores.classes.items():
        table.add_row(
            label.value,
            f"{c.precision:.3f}",
            f"{c.recall:.3f}",
            f"{c.f1:.3f}",
            str(c.support),
            str(c.predicted),
        )
    return table


def _confusion_table(confusion: Confusion) -> Table:
    table = Table(title="Confusion matrix (rows: gold, columns: predicted)")
    table.add_column("gold \\ predicted")
    for label in LABELS:
        table.add_column(label.value, justify="right")
    table.add_column("total", justify="right")
    for gold, row in confusion.items():
        cells = [f"[bold]{n}[/]" if p is gold else str(n) for p, n in row.items()]
        table.add_row(gold.value, *cells, str(sum(row.values())))
    return table
