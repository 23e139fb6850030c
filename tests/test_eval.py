"""`monitor eval` measures a stance engine: hand-computed metrics, data set reading, and the command."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from monitor.analysis.stance import Passage, SentenceEngine
from monitor.cli import app
from monitor.domain import ClaimSpec, Judgement, Stance
from monitor.evaluate import (
    DataError,
    Pair,
    accuracy,
    choose_engine,
    class_scores,
    confusion_matrix,
    fnc_score,
    judge_pairs,
    load_bodies,
    load_pairs,
    macro_f1,
    sample_pairs,
    score,
)

from .conftest import DEFAULT_CONFIG

DATA = Path(__file__).parent / "data" / "eval"
PAIRS = DATA / "pairs.jsonl"
PAIRS_BY_ID = DATA / "pairs-by-id.jsonl"
BODIES = DATA / "bodies.jsonl"

C, X, D, U = Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS, Stance.UNRELATED
# Eight pairs worked by hand below; contradict is never predicted.
GOLD = [C, C, C, X, D, D, U, U]
PRED = [C, D, U, C, D, D, U, D]


# --- metrics ----------------------------------------------------------------------------------------


def test_confusion_matrix_counts_gold_rows_by_predicted_columns() -> None:
    matrix = confusion_matrix(GOLD, PRED)
    assert matrix[C] == {C: 1, X: 0, D: 1, U: 1}
    assert matrix[X] == {C: 1, X: 0, D: 0, U: 0}
    assert matrix[D] == {C: 0, X: 0, D: 2, U: 0}
    assert matrix[U] == {C: 0, X: 0, D: 1, U: 1}


def test_per_class_scores_match_the_hand_computed_ones() -> None:
    scores = class_scores(confusion_matrix(GOLD, PRED))
    # confirm: 1 hit of 2 predicted and 3 gold -> P 1/2, R 1/3, F1 = 2PR/(P+R) = 0.4
    assert scores[C].precision == pytest.approx(0.5)
    assert scores[C].recall == pytest.approx(1 / 3)
    assert scores[C].f1 == pytest.approx(0.4)
    assert (scores[C].support, scores[C].predicted) == (3, 2)
    # discuss: 2 hits of 4 predicted and 2 gold -> P 1/2, R 1, F1 2/3
    assert (scores[D].precision, scores[D].recall, scores[D].f1) == pytest.approx((0.5, 1.0, 2 / 3))
    # unrelated: 1 hit of 2 predicted and 2 gold
    assert (scores[U].precision, scores[U].recall, scores[U].f1) == pytest.approx((0.5, 0.5, 0.5))


def test_a_class_never_predicted_scores_zero_without_dividing_by_zero() -> None:
    contradict = class_scores(confusion_matrix(GOLD, PRED))[X]
    assert (contradict.precision, contradict.recall, contradict.f1) == (0.0, 0.0, 0.0)
    assert (contradict.support, contradict.predicted) == (1, 0)


def test_macro_f1_averages_the_classes_present_in_the_gold_labels() -> None:
    macro, classes = macro_f1(class_scores(confusion_matrix(GOLD, PRED)))
    assert classes == (C, X, D, U)
    assert macro == pytest.approx((0.4 + 0.0 + 2 / 3 + 0.5) / 4)
    # contradict predicted once but absent from gold: not in the average.
    macro, classes = macro_f1(class_scores(confusion_matrix([C, U], [C, X])))
    assert classes == (C, U)
    assert macro == pytest.approx((1.0 + 0.0) / 2)


def test_accuracy_is_the_share_of_exact_matches() -> None:
    assert accuracy(confusion_matrix(GOLD, PRED)) == pytest.approx(4 / 8)
    assert accuracy(confusion_matrix([], [])) == 0.0


def test_fnc_score_weighs_relatedness_then_the_exact_stance() -> None:
    # pair by pair: C/C 1.0, C/D 0.25, C/U 0, X/C 0.25, D/D 1.0, D/D 1.0, U/U 0.25, U/D 0
    fnc = fnc_score(GOLD, PRED)
    assert fnc.raw == pytest.approx(3.75)
    assert fnc.max == pytest.approx(6 * 1.0 + 2 * 0.25)
    assert fnc.percent == pytest.approx(3.75 / 6.5 * 100)
    assert fnc_score([], []).percent == 0.0


def test_score_gathers_every_metric() -> None:
    scores = score(GOLD, PRED)
    assert scores.pairs == 8
    assert scores.accuracy == pytest.approx(0.5)
    assert scores.fnc.raw == pytest.approx(3.75)
    assert sum(c.support for c in scores.classes.values()) == 8


def test_the_engine_is_the_rules_files_unless_another_kind_is_asked_for() -> None:
    options = {"threshold": 0.5}
    assert choose_engine(None, "nli", options, "rules") == ("nli", options)
    assert choose_engine("nli", "nli", options, "rules") == ("nli", options)
    assert choose_engine("rules", "nli", options, "rules") == ("rules", {})
    assert choose_engine(None, None, {}, "rules") == ("rules", {})


# --- reading a data set -----------------------------------------------------------------------------


def test_pairs_with_body_ids_are_joined_with_the_bodies_file() -> None:
    inline = load_pairs(PAIRS)
    joined = load_pairs(PAIRS_BY_ID, load_bodies(BODIES), bodies_path=BODIES)
    assert [(p.id, p.claim, p.body, p.gold) for p in joined] == [
        (p.id, p.claim, p.body, p.gold) for p in inline
    ]
    assert joined[3].body_key == joined[6].body_key  # the same body, id 6


def test_gzipped_files_read_like_plain_ones(tmp_path: Path) -> None:
    packed = tmp_path / "pairs.jsonl.gz"
    packed.write_bytes(gzip.compress(PAIRS.read_bytes()))
    assert load_pairs(packed) == load_pairs(PAIRS)


def test_limit_reads_only_the_first_pairs(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(PAIRS.read_text() + "not json\n")
    assert [p.id for p in load_pairs(path, limit=2)] == ["bags-confirm", "bags-contradict"]


def test_a_sample_is_reproducible_and_in_input_order() -> None:
    pairs = load_pairs(PAIRS)
    sample = sample_pairs(pairs, 4, seed=7)
    assert sample == sample_pairs(pairs, 4, seed=7)
    assert len(sample) == 4
    assert [pairs.index(p) for p in sample] == sorted(pairs.index(p) for p in sample)
    assert sample_pairs(pairs, 100, seed=7) == pairs


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": "x", "claim": "c", "article_body": "b", "stance": "agree"}', "unknown stance 'agree'"),
        ('{"id": "x", "article_body": "b", "stance": "confirm"}', "missing 'claim'"),
    ],
)
def test_a_bad_line_is_an_error_naming_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "pairs.jsonl"
    lines = PAIRS.read_text().splitlines()
    path.write_text("\n".join([*lines[:2], "", line, *lines[2:]]) + "\n")
    with pytest.raises(DataError, match=re.escape(f"{path}:4: ") + ".*" + re.escape(message)):
        load_pairs(path)


def test_a_body_id_needs_the_bodies_file_and_must_be_in_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=re.escape(f"{PAIRS_BY_ID}:1: ") + ".*no bodies file"):
        load_pairs(PAIRS_BY_ID)
    few = tmp_path / "bodies.jsonl"
    few.write_text("\n".join(BODIES.read_text().splitlines()[:3]) + "\n")
    with pytest.raises(DataError, match=re.escape(f"{PAIRS_BY_ID}:4: body_id 6 is not in {few}")):
        load_pairs(PAIRS_BY_ID, load_bodies(few), bodies_path=few)


# --- judging ----------------------------------------------------------------------------------------


class Recorder(SentenceEngine):
    """Reads whole articles, confirms everything (or finds everything `unrelated`), and notes which
    article each call came from."""

    name = "recorder"
    reads_whole_article = True

    def __init__(self, unrelated: bool = False) -> None:
        self.seen: list[str] = []
        self.stance = Stance.UNRELATED if unrelated else Stance.CONFIRM

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        return Judgement(self.stance, 0.9)

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        self.seen.append(passages[0].text)
        return super().judge_many(claim, passages)


def test_pairs_are_judged_grouped_by_body_and_returned_in_input_order() -> None:
    bodies = ["Acme Corp sold the mill.", "Acme Corp closed the port.", "Acme Corp bought a ship."]
    pairs = [Pair(f"p{i}", f"Acme Corp claim {i % 2}", "", bodies[i % 3], U, f"id:{i % 3}") for i in range(9)]
    engine = Recorder()
    ticks: list[int] = []
    predictions = judge_pairs(engine, pairs, advance=ticks.append)
    assert [p.id for p in predictions] == [p.id for p in pairs]
    assert all(p.stance is C and p.gold is U for p in predictions)
    runs = [body for i, body in enumerate(engine.seen) if i == 0 or engine.seen[i - 1] != body]
    assert sorted(runs) == sorted(bodies)  # each body judged in one run
    assert sum(ticks) == 9


def test_inference_pairs_read_as_claim_and_article_and_unrelated_counts_as_neutral(tmp_path: Path) -> None:
    mill, sold = "Acme Corp sold the mill.", "Acme Corp sold it."
    rows = [
        {"id": "e", "premise": mill, "hypothesis": "Acme Corp sold a mill.", "label": "entailment"},
        {"id": "n", "premise": mill, "hypothesis": "Acme Corp is rich.", "label": "neutral"},
        {"id": "c", "premise": "Acme Corp kept the mill.", "hypothesis": sold, "label": "contradiction"},
        {"id": "t", "premise": "Acme Corp kept the mill.", "hypothesis": sold, "label": "not_entailment"},
    ]  # fmt: skip
    path = tmp_path / "nli.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    skipped: list[str] = []
    pairs = load_pairs(path, skipped=skipped)
    assert [(p.id, p.claim, p.body, p.gold) for p in pairs] == [
        ("e", "Acme Corp sold a mill.", "Acme Corp sold the mill.", C),
        ("n", "Acme Corp is rich.", "Acme Corp sold the mill.", D),
        ("c", "Acme Corp sold it.", "Acme Corp kept the mill.", X),
    ]
    assert skipped == ["t"] and all(p.nli for p in pairs)
    predictions = judge_pairs(Recorder(unrelated=True), pairs)
    assert [p.stance for p in predictions] == [D, D, D]  # the engine said unrelated: neutral here
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"premise": "a", "hypothesis": "b", "label": "maybe"}) + "\n")
    with pytest.raises(DataError, match=r"bad.jsonl:1: unknown inference label 'maybe'"):
        load_pairs(bad)


# --- the command ------------------------------------------------------------------------------------


def run_eval(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["eval", *map(str, args), "-c", str(DEFAULT_CONFIG)])


def test_eval_json_reports_every_metric_and_the_counts_add_up(tmp_path: Path) -> None:
    out = tmp_path / "predictions.jsonl"
    result = run_eval(PAIRS, "--engine", "rules", "--json", "--predictions", out)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "data", "bodies", "engine", "pairs", "classes", "macro_f1", "macro_f1_classes", "accuracy", "fnc",
        "confusion", "engine_build_seconds", "judge_seconds", "pairs_per_second",
    }  # fmt: skip
    assert report["engine"] == "rules"
    assert report["pairs"] == 8
    assert set(report["classes"]) == {"confirm", "contradict", "discuss", "unrelated"}
    assert set(report["classes"]["confirm"]) == {"precision", "recall", "f1", "support", "predicted"}
    assert sum(c["support"] for c in report["classes"].values()) == 8
    assert sum(c["predicted"] for c in report["classes"].values()) == 8
    assert sum(sum(row.values()) for row in report["confusion"].values()) == 8
    assert set(report["fnc"]) == {"score", "max", "percent"}
    assert report["fnc"]["max"] == 5 * 1.0 + 3 * 0.25
    assert report["pairs_per_second"] > 0

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [json.loads(line)["id"] for line in PAIRS.read_text().splitlines()]
    assert [line["id"] for line in lines] == ids
    assert all(set(line) == {"id", "stance", "gold", "confidence"} for line in lines)


def test_eval_prints_tables_for_people() -> None:
    result = run_eval(PAIRS_BY_ID, "--bodies", BODIES, "--engine", "rules", "--limit", "5")
    assert result.exit_code == 0, result.output
    for text in (
        "rules on pairs-by-id.jsonl: 5 pairs",
        "macro-F1",
        "FNC score",
        "Confusion matrix",
        "pairs/s",
    ):
        assert text in result.stdout


def test_body_ids_without_a_bodies_file_exit_2_naming_the_file() -> None:
    result = run_eval(PAIRS_BY_ID, "--engine", "rules")
    assert result.exit_code == 2
    assert f"{PAIRS_BY_ID}:1" in " ".join(result.stderr.split())
    assert "--bodies" in result.stderr


def test_a_malformed_line_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    shutil.copy(PAIRS, path)
    with path.open("a") as handle:
        handle.write('{"id": "broken", "claim": \n')
    result = run_eval(path, "--engine", "rules")
    assert result.exit_code == 2
    assert f"{path}:9: invalid JSON" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_an_unknown_engine_exits_2() -> None:
    result = run_eval(PAIRS, "--engine", "oracle")
    assert result.exit_code == 2
    assert "oracle" in result.stderr
