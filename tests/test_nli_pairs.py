"""The news-style inference pairs: deterministic, split by proposition, labelled by what the main
clause asserts (a denial or "no evidence" contradicts, a plan or a question is neutral)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from monitor.analysis.stance import nli_pairs
from monitor.analysis.stance.nli_pairs import CONTRADICTION, ENTAILMENT, NEUTRAL, clause, generate
from monitor.analysis.stance.train import read_jsonl

PROPOSITIONS = list(read_jsonl(nli_pairs.PROPOSITIONS))
FEVER_LIKE = [
    "Aldo Verrani directed three films.",
    "Aldo Verrani was born in Turin.",
    "The Brass Lantern opened in 1958.",
    "Lake Orwen covers 240 square kilometres.",
]


def pairs() -> list[dict[str, str]]:
    return generate(PROPOSITIONS, FEVER_LIKE, seed=7, holdout=0.3)


def test_the_same_seed_gives_the_same_pairs_and_another_seed_other_wordings() -> None:
    assert pairs() == pairs()
    assert generate(PROPOSITIONS, FEVER_LIKE, seed=8, holdout=0.3) != pairs()


def test_no_proposition_is_in_both_train_and_test() -> None:
    splits: dict[str, set[str]] = {}
    for pair in pairs():
        splits.setdefault(pair["hypothesis"], set()).add(pair["split"])
    assert all(len(s) == 1 for s in splits.values()), {h: s for h, s in splits.items() if len(s) > 1}
    assert {"train", "test"} == set().union(*splits.values())


def test_every_template_is_filled_and_reads_as_a_sentence() -> None:
    for pair in pairs():
        assert "{" not in pair["premise"] and "}" not in pair["premise"], pair
        assert pair["premise"][0].isupper() or pair["premise"][0] == '"', pair
        assert pair["label"] in {ENTAILMENT, NEUTRAL, CONTRADICTION}


def test_denials_and_missing_evidence_contradict_plans_and_questions_are_neutral() -> None:
    by_frame = {(p["hypothesis"], p["frame"]): p for p in pairs()}
    claim = "Rail workers walked out over pay."
    denied = by_frame[(claim, "no_evidence_done")]
    assert denied["label"] == CONTRADICTION
    assert re.match(
        r"There is no evidence that rail workers have walked out over pay, .+ said\.", denied["premise"]
    )
    preparing = by_frame[(claim, "preparing")]
    assert (preparing["premise"], preparing["label"]) == (
        "Rail workers are preparing to walk out over pay.",
        NEUTRAL,
    )
    assert by_frame[(claim, "question")]["premise"] == "Is it true that rail workers walked out over pay?"
    reported = by_frame[(claim, "main_over_denial")]
    assert reported["label"] == ENTAILMENT and reported["premise"].startswith(
        "Rail workers said they had walked out"
    )


def test_a_subject_that_is_no_agent_gets_no_agentive_frame() -> None:
    frames = {p["frame"] for p in pairs() if p["hypothesis"] == "The new bridge opened to traffic."}
    assert "expected" in frames and "has_done" in frames
    assert not frames & {"preparing", "in_talks", "denied_done", "threatened"}


def test_fever_claims_give_clause_frames_a_sibling_fact_and_a_changed_number() -> None:
    fever = [p for p in pairs() if p["source"] == "fever-frames"]
    sibling = [p for p in fever if p["frame"] == "other_fact"]
    assert {p["hypothesis"] for p in sibling} == {
        "Aldo Verrani directed three films.",
        "Aldo Verrani was born in Turin.",
    }
    assert all(p["label"] == NEUTRAL for p in sibling)
    (number,) = [p for p in fever if p["frame"] == "changed_number" and p["hypothesis"].startswith("Lake")]
    assert number["label"] == CONTRADICTION and "240" not in number["premise"]
    assert len([p for p in fever if p["hypothesis"] == "The Brass Lantern opened in 1958."]) >= 3


def test_a_claim_becomes_a_clause() -> None:
    assert clause("The regulator approved the vaccine.") == "the regulator approved the vaccine"
    assert clause("Police arrested a suspect.") == "police arrested a suspect"
    assert clause("Calder Group acquired Tessaly.") == "Calder Group acquired Tessaly"


def test_the_command_writes_jsonl_in_the_shared_nli_format(tmp_path: Path) -> None:
    fever = tmp_path / "fever.jsonl"
    fever.write_text(
        "".join(
            json.dumps({"hypothesis": c, "premise": "x", "label": "entailment"}) + "\n" for c in FEVER_LIKE
        )
    )
    out = tmp_path / "pairs.jsonl"
    assert nli_pairs.main(["--fever", str(fever), "--out", str(out), "--seed", "7", "--holdout", "0.3"]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records == generate(PROPOSITIONS, sorted(FEVER_LIKE), seed=7, holdout=0.3)
    assert set(records[0]) == {"id", "premise", "hypothesis", "label", "source", "split", "frame"}
