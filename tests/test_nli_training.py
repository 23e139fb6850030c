"""Training the inference model: licence-clean data only, held-out claims kept out, and a run that is
interrupted and resumed from its checkpoint ends with the same weights as one that was not."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from monitor.analysis.stance import inference
from monitor.analysis.stance.nli_train import Settings, datasets, export, length_batches, scores, train

SNLI = [
    ("A man plays a guitar on stage.", "A man is playing music.", "entailment"),
    ("A man plays a guitar on stage.", "A man is sleeping.", "contradiction"),
    ("A woman reads in a park.", "The woman is reading a novel.", "neutral"),
    ("Two dogs run on a beach.", "Animals are outside.", "entailment"),
]
FEVER = [
    (
        "Aldo Verrani (born 1931 in Turin) is an Italian director.",
        "Aldo Verrani was born in Turin.",
        "entailment",
    ),
    ("Lake Orwen covers 240 square kilometres.", "Lake Orwen covers 20 square kilometres.", "contradiction"),
    ("The Brass Lantern is a pub opened in 1958.", "The Brass Lantern opened in 1958.", "entailment"),
]


def write(path: Path, rows: list[tuple[str, str, str]], **extra: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for premise, hypothesis, label in rows:
            out.write(
                json.dumps({"premise": premise, "hypothesis": hypothesis, "label": label, **extra}) + "\n"
            )


@pytest.fixture
def nli(tmp_path: Path) -> Path:
    folder = tmp_path / "nli"
    folder.mkdir()
    write(folder / "snli-train.jsonl.gz", SNLI * 3)
    write(folder / "fever-nli.jsonl.gz", FEVER)
    write(folder / "snli-test.jsonl.gz", SNLI)
    write(
        folder / "negation-nli.jsonl.gz", [("The shop is not open.", "The shop is open.", "not_entailment")]
    )
    return folder


SMALL = Settings(snli=8, batch_size=4, max_length=48, max_pairs=12, checkpoint_every=1, eval_limit=4)


def test_training_data_leaves_out_held_out_claims_and_takes_no_unlicensed_set(nli: Path) -> None:
    assert {r["source"] for r in datasets(nli, Settings(snli=8))[0]} == {
        "snli",
        "fever",
        "written",
        "fever-frames",
    }
    records, _ = datasets(nli, Settings(snli=8, written_passages=True))
    sources = {r["source"] for r in records}
    assert sources == {"snli", "fever", "written", "fever-frames", "written-passages"}
    _, sets = datasets(nli, Settings(snli=8, eval_limit=10**6, written_passages=True))
    held_out = {r["hypothesis"] for rows in sets.values() for r in rows}
    news = {
        r["hypothesis"] for r in records if r["source"] in {"written", "fever-frames", "written-passages"}
    }
    assert not news & held_out
    assert (
        datasets(nli, Settings(snli=8, written_passages=True))[0] == records
    )  # the order is fixed by the seed
    few = datasets(nli, Settings(snli=8, generated=5))[0]
    assert sum(r["source"] in {"written", "fever-frames"} for r in few) == 5


def test_batches_of_similar_length_hold_every_pair_once() -> None:
    records = [{"premise": "w " * n, "hypothesis": "h", "id": n} for n in range(1, 200)]
    batches = length_batches(records, batch_size=8, seed=3, window=5)
    assert sorted(r["id"] for b in batches for r in b) == list(range(1, 200))
    spread = [max(r["id"] for r in b) - min(r["id"] for r in b) for b in batches]
    assert max(spread) < 199 and batches == length_batches(records, batch_size=8, seed=3, window=5)


def test_scores_count_a_two_way_not_entailment_as_right_for_neutral_or_contradiction() -> None:
    result = scores(
        ["not_entailment", "not_entailment", "entailment"], ["neutral", "entailment", "entailment"]
    )
    assert result["accuracy"] == pytest.approx(2 / 3, abs=0.001) and result["f1"]["entailment"] == 0.667


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(nli: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    whole = train(nli, tmp_path / "whole", SMALL, say=lambda _: None)
    assert whole is not None and whole["steps"] == 3
    assert train(nli, tmp_path / "resumed", SMALL, stop_after=1, say=lambda _: None) is None
    assert (tmp_path / "resumed" / "checkpoint.pt").exists() and not (tmp_path / "resumed" / "model").exists()
    lines: list[str] = []
    resumed = train(nli, tmp_path / "resumed", SMALL, say=lines.append)
    assert resumed is not None and lines[0] == "resumed at step 1 of 3"
    a = load_file(tmp_path / "whole" / "model" / "model.safetensors")
    b = load_file(tmp_path / "resumed" / "model" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    config = json.loads((tmp_path / "whole" / "model" / "config.json").read_text())
    assert set(config["id2label"].values()) == {"entailment", "neutral", "contradiction"}
    report = json.loads((tmp_path / "whole" / "train.json").read_text())
    assert {"snli-test", "negation", "news-frames-heldout", "written-passages"} <= set(report["held_out"])
    assert report["held_out"]["snli-test"]["pairs"] == 4


def test_the_exported_model_carries_its_card_and_sums_and_refuses_damage(nli: Path, tmp_path: Path) -> None:
    assert train(nli, tmp_path / "run", SMALL, say=lambda _: None) is not None
    dest = tmp_path / "shipped"
    report = export(tmp_path / "run", nli, dest, compare_limit=3, say=lambda _: None)
    assert set(report["forms"]) == {"float32", "float16 (shipped)", "int8 dynamic"}
    card = (dest / "MODEL_CARD.md").read_text()
    for needed in ("all-MiniLM-L6-v2", "CC BY-SA 4.0", "Bowman", "Thorne", "nli_train --nli", "snli-test"):
        assert needed in card, needed
    sums = json.loads((dest / "manifest.json").read_text())["sha256"]
    assert {"model.safetensors", "config.json", "MODEL_CARD.md"} <= set(sums)
    model = inference.load(dest, checked=True)
    rows = model.probabilities(["A man plays a guitar.", "Two dogs run."], "A man is playing music.")
    assert rows.shape == (2, 3) and abs(float(rows.sum()) - 2) < 1e-4

    weights = dest / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(inference.ModelFileError, match=r"model.safetensors is damaged.*reinstall"):
        inference.load(dest, checked=True)
    weights.unlink()
    with pytest.raises(inference.ModelFileError, match=r"model.safetensors is missing"):
        inference.load(dest, checked=True)


def test_a_checkpoint_from_other_settings_is_refused(nli: Path, tmp_path: Path) -> None:
    assert train(nli, tmp_path / "run", SMALL, stop_after=1, say=lambda _: None) is None
    other = Settings(**{**SMALL.__dict__, "learning_rate": 1e-4})
    with pytest.raises(SystemExit, match="other settings"):
        train(nli, tmp_path / "run", other, say=lambda _: None)
