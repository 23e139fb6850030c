"""The `nli` engine loads any local NLI cross-encoder, maps its labels to stances and batches sentences.

Each test builds a tiny BERT classifier in a temporary directory: nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.analysis.stance import Passage, build_engine
from monitor.config.rules import ConfigError, load_rules
from monitor.domain import ClaimSpec, Judgement, Stance

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

NLI_LABELS = {0: "contradiction", 1: "ENTAILMENT", 2: "Neutral"}
CLAIM = ClaimSpec("nk", "North Korean troops are fighting for Russia in Ukraine", ("North Korea",))
SENTENCES = [
    Passage("North Korean troops are fighting in Ukraine.", None),
    Passage("Russia denied it.", "The reports say North Korean troops are in Ukraine."),
    Passage("It was not true, the reports said, that troops are fighting for Russia in Ukraine today.", None),
    Passage("Troops.", "x " * 400),
]
WORDS = sorted(set(re.findall(r"[a-z]+", " ".join([CLAIM.text, *(p.text for p in SENTENCES)]).lower())))


def save_model(path: Path, id2label: dict[int, str], bias: list[float] | None = None) -> Path:
    """A one-layer BERT classifier with a small vocabulary; `bias` (with zero weights) fixes its output."""
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])}
    tokenizer = transformers.BertTokenizerFast(vocab=vocab)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={label: i for i, label in id2label.items()},
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    if bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(tmp_path_factory.mktemp("nli") / "model", NLI_LABELS)


def softmax(logits: list[float]) -> list[float]:
    exps = [math.exp(x) for x in logits]
    return [x / sum(exps) for x in exps]


def test_judgements_are_valid_and_use_the_mapped_labels(model_dir: Path) -> None:
    engine = build_engine("nli", {"model": str(model_dir)})
    assert engine.name == "nli" and engine.reads_whole_article is False
    for judgement in engine.judge_many(CLAIM, SENTENCES):
        assert isinstance(judgement, Judgement)
        assert judgement.stance in {Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS}
        assert 0.0 <= judgement.confidence <= 1.0
        assert judgement.cues[0].startswith("nli: ")
        assert judgement.recap is False


def test_batches_give_the_same_judgements_as_one_by_one(model_dir: Path) -> None:
    engine = build_engine("nli", {"model": str(model_dir), "batch_size": 3})
    batched = engine.judge_many(CLAIM, SENTENCES)
    single = [engine.judge(CLAIM, p.text, p.context) for p in SENTENCES]
    assert [j.stance for j in batched] == [j.stance for j in single]
    for a, b in zip(batched, single, strict=True):
        assert a.confidence == pytest.approx(b.confidence, abs=0.011)


def test_a_model_that_always_says_entailment_confirms_with_its_probability(tmp_path: Path) -> None:
    logits = [0.0, 2.0, 0.0]
    engine = build_engine("nli", {"model": str(save_model(tmp_path / "m", NLI_LABELS, logits))})
    judgement = engine.judge(CLAIM, "North Korean troops are fighting in Ukraine.", "Context.")
    expected = round(softmax(logits)[1], 2)
    assert judgement == Judgement(Stance.CONFIRM, expected, (f"nli: entailment {expected:.2f}",))


def test_a_contradiction_below_min_confidence_only_discusses(tmp_path: Path) -> None:
    logits = [1.0, 0.0, 0.0]  # P(contradiction) = 0.58
    engine = build_engine(
        "nli", {"model": str(save_model(tmp_path / "m", NLI_LABELS, logits)), "min_confidence": 0.6}
    )
    judgement = engine.judge(CLAIM, "Russia denied it.")
    assert judgement.stance is Stance.DISCUSS
    assert judgement.confidence == round(1 - softmax(logits)[0], 2)
    assert judgement.cues[0] == "nli: contradiction 0.58"


def test_relevance_turns_a_confident_neutral_into_unrelated(tmp_path: Path) -> None:
    logits = [0.0, 0.0, 4.0]  # P(entailment) + P(contradiction) = 0.035
    model = str(save_model(tmp_path / "m", NLI_LABELS, logits))
    assert build_engine("nli", {"model": model}).judge(CLAIM, "Troops.").stance is Stance.DISCUSS
    judgement = build_engine("nli", {"model": model, "relevance": 0.05}).judge(CLAIM, "Troops.")
    assert judgement.stance is Stance.UNRELATED
    assert judgement.confidence == round(softmax(logits)[2], 2)


@pytest.mark.parametrize("text", ["", "   ", "?!", "—"])
def test_a_sentence_without_words_is_unrelated_without_the_model(model_dir: Path, text: str) -> None:
    judgement = build_engine("nli", {"model": str(model_dir)}).judge(CLAIM, text)
    assert judgement.stance is Stance.UNRELATED


def test_long_input_is_truncated_not_an_error(model_dir: Path) -> None:
    engine = build_engine("nli", {"model": str(model_dir), "max_length": 4096})
    judgement = engine.judge(CLAIM, "troops " * 2000, "reports " * 2000)
    assert judgement.stance in {Stance.CONFIRM, Stance.CONTRADICT, Stance.DISCUSS}


def test_a_model_without_nli_labels_is_refused(tmp_path: Path) -> None:
    model = save_model(tmp_path / "sentiment", {0: "negative", 1: "positive", 2: "mixed"})
    with pytest.raises(ValueError, match=r"not an NLI classifier.*negative, positive, mixed"):
        build_engine("nli", {"model": str(model)})


def test_a_directory_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot load an inference model"):
        build_engine("nli", {"model": str(tmp_path)})


def test_a_missing_model_directory_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"model directory .*missing does not exist"):
        build_engine("nli", {"model": str(tmp_path / "missing")})


def test_a_rules_file_naming_a_missing_model_fails_on_that_key(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("claims: []\nstance:\n  kind: nli\n  model: ./missing\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    [problem] = caught.value.problems
    assert (problem.key, problem.line) == ("stance.model", 4)
    assert str(tmp_path / "missing") in problem.message


def test_a_rules_file_resolves_the_model_directory_against_its_folder(
    tmp_path: Path, model_dir: Path
) -> None:
    (tmp_path / "models").symlink_to(model_dir.parent, target_is_directory=True)
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"stance:\n  kind: nli\n  model: models/{model_dir.name}\n  batch_size: 4\n")
    assert load_rules(rules).stance_options == {"model": f"models/{model_dir.name}", "batch_size": 4}
