"""The inference model that ships inside the package: its files are whole, its card says what it is,
it loads offline, and it reads a denial, a plan and a report as a careful reader would.

The sentences below were written for this test (none is from the seeds or a data set)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from monitor.analysis.stance import build_engine, inference
from monitor.domain import ClaimSpec, Stance

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def model() -> inference.CrossEncoder:
    return inference.shipped()


def test_the_shipped_files_match_their_manifest_and_card() -> None:
    inference.verify(inference.SHIPPED)
    sums = json.loads((inference.SHIPPED / inference.MANIFEST).read_text())["sha256"]
    assert {"model.safetensors", "config.json", "tokenizer.json", "MODEL_CARD.md", "train.json"} <= set(sums)
    card = (inference.SHIPPED / "MODEL_CARD.md").read_text()
    for needed in ("all-MiniLM-L6-v2", "Apache-2.0", "CC BY-SA 4.0", "SNLI", "FEVER", "Perspectrum"):
        assert needed in card, needed
    for measured in ("snli-test", "mnli-samples", "negation", "written-passages"):
        assert f"| {measured} |" in card, measured
    report = json.loads((inference.SHIPPED / "train.json").read_text())
    assert (
        "fnc" not in json.dumps(report["data"]).lower()
        and "emergent" not in json.dumps(report["data"]).lower()
    )


def test_the_engine_loads_it_with_the_hub_offline(model: inference.CrossEncoder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set before transformers loads anything
    assert model.folder == inference.SHIPPED
    engine = build_engine("nli", {})
    claim = ClaimSpec("c", "The port of Valmere has reopened", ("Valmere",))
    assert engine.judge(claim, "The port of Valmere reopened on Monday after a two-week strike.").stance is (
        Stance.CONFIRM
    )


def test_a_damaged_copy_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    copy = shutil.copytree(inference.SHIPPED, tmp_path / "nli-minilm")
    (copy / "config.json").write_text((copy / "config.json").read_text().replace("entailment", "entailmant"))
    with pytest.raises(inference.ModelFileError, match=r"config.json is damaged .*reinstall claim-monitor"):
        inference.load(copy, checked=True)
    (copy / "manifest.json").unlink()
    with pytest.raises(inference.ModelFileError, match=r"has no manifest.json"):
        inference.load(copy, checked=True)


CLAIM = "The Harlow Mining Company has closed its Brennock mine"
READINGS = [
    ("The Harlow Mining Company closed its Brennock mine on Friday, laying off 400 workers.", "entailment"),
    ("Harlow denied reports that it had closed the Brennock mine.", "contradiction"),
    pytest.param(
        "The Brennock mine is still open, a Harlow spokeswoman said.",
        "contradiction",
        marks=pytest.mark.xfail(strict=True, reason="the shipped model reads it as neutral (0.79)"),
    ),
    ("The Harlow Mining Company is considering whether to close the Brennock mine next year.", "neutral"),
    pytest.param(
        "Harlow's Brennock mine produced 2 million tonnes of coal last year.",
        "neutral",
        marks=pytest.mark.xfail(strict=True, reason="the shipped model reads it as contradiction (0.94)"),
    ),
]
"""Written before the model was trained; the two it misreads are kept, marked, so that a better model
shows up as an unexpected pass (MODEL_CARD.md, Limits)."""


@pytest.mark.parametrize(("premise", "label"), READINGS)
def test_it_reads_reports_denials_plans_and_other_facts(
    model: inference.CrossEncoder, premise: str, label: str
) -> None:
    [row] = model.probabilities([premise], CLAIM)
    assert inference.LABELS[int(row.argmax())] == label, dict(
        zip(inference.LABELS, row.round(2), strict=True)
    )


def test_an_answer_given_once_is_kept_and_the_same(model: inference.CrossEncoder) -> None:
    premises = ["Harlow closed the Brennock mine.", "Harlow is preparing to close the Brennock mine."]
    first = model.probabilities(premises, CLAIM)
    again = model.probabilities(list(reversed(premises)), CLAIM)
    assert (again[::-1] == first).all()
    assert (CLAIM, premises[0]) in model._cache
