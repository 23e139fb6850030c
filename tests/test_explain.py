"""An article that names a claim's entities but that a topic rule drops is never missed silently: the
analysis lists the claim, `monitor run --once` counts such articles, and `monitor explain` shows for one
article which entities it names, what each topic rule decided and why, and each relevant sentence with
its stance, confidence, speaker, the day it was said and the cues. `explain` writes nothing."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.analysis.analyzer import Analyzer
from monitor.analysis.match import Claim, Topic
from monitor.analysis.stance import build_engine
from monitor.domain import Article

from .feedserver import FeedServer
from .test_seeds_demo import monitor as run_monitor

RULES = """\
sources:
  - name: inbox
    kind: folder
    path: inbox
topics:
  - name: takeovers
    all: [[Corvane, Pellworth]]
    any: [acquire, takeover]
    none: [rumour mill]
  - name: harbour-strike
    all: [strike]
    any: [dockers, harbour]
claims:
  - id: corvane-buys-pellworth
    claim: Corvane Logistics is buying Pellworth Freight
    entities: [Corvane, Pellworth]
    keywords: [acquire, buy, takeover]
    topics: [takeovers]
  - id: pellworth-walkout
    claim: Pellworth Freight dockers have walked out
    entities: [Pellworth]
    keywords: [walkout, dockers]
    topics: [harbour-strike]
stance:
  kind: rules
"""

ARTICLE = """\
date 2025-03-14
Corvane agrees Pellworth deal

On March 12, Corvane Logistics said it had acquired a majority stake in Pellworth Freight.

"We are acquiring the rest of Pellworth by the summer," Corvane chief executive Ilse Marrow told reporters.

Pellworth's dockers at the harbour were told of the sale on Thursday and did not walk out.
"""


def setup(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "inbox").mkdir()
    article = tmp_path / "inbox" / "corvane.txt"
    article.write_text(ARTICLE)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    return rules, article


def monitor(tmp_path: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, its database in `tmp_path` (test_seeds_demo's runner)."""
    return run_monitor(tmp_path, *args, code=code, database=f"sqlite:///{tmp_path / 'monitor.db'}")


def test_the_analysis_lists_claims_whose_entities_are_named_but_whose_topic_rules_drop_the_article() -> None:
    topic = Topic(name="harbour-strike", all=["strike"], any=["dockers"])
    claim = Claim(
        id="walkout", claim="Tarrow Port dockers walked out", entities=["Tarrow"], topics=[topic.name]
    )
    analyzer = Analyzer([topic], [claim], build_engine("rules", {}))

    def article(text: str) -> Article:
        when = datetime(2025, 5, 2, tzinfo=UTC)
        return Article("s", "k", "h", text.split("\n")[0], text, when, False, "marker")

    named = analyzer.analyze(article("Tarrow Port quiet\n\nTarrow Port dockers worked their usual shift."))
    assert named.topics == () and named.verdicts == () and named.dropped == ("walkout",)
    other = analyzer.analyze(article("Harbour news\n\nDockers at Fenmouth went on strike."))
    assert other.dropped == ()
    accepted = analyzer.analyze(article("Tarrow strike\n\nTarrow Port dockers are on strike since Monday."))
    assert accepted.topics == ("harbour-strike",) and accepted.dropped == ()


def test_explain_prints_each_claims_entities_topic_decisions_and_sentences(tmp_path: Path) -> None:
    rules, article = setup(tmp_path)
    printed = monitor(tmp_path, "explain", str(article), "-c", str(rules)).stdout
    lines = [line.strip() for line in printed.splitlines()]
    assert lines[0] == "Corvane agrees Pellworth deal"
    assert "date: 2025-03-14 (from the marker)" in lines
    assert "topic harbour-strike: rejected (lacks `all` term 'strike')" in lines
    assert "entities named: Corvane, Pellworth" in lines
    assert "topic rule takeovers: accepted: has `any` term 'acquire'" in lines  # "acquired", "acquiring"
    assert "counted: the article names the claim's entities and a topic rule accepted it" in lines
    assert "entities named: Pellworth" in lines
    assert "topic rule harbour-strike: rejected: lacks `all` term 'strike'" in lines
    assert "the article names the claim's entities, but no topic rule of the claim accepted it" in lines
    # each sentence: stance and confidence, speaker, the day it was said, the quote and the cues
    first = lines.index(
        "“On March 12, Corvane Logistics said it had acquired a majority stake in Pellworth Freight.”"
    )
    assert lines[first - 1].endswith("speaker: Corvane Logistics  said: 2025-03-12")
    walkout = lines.index(
        "“Pellworth's dockers at the harbour were told of the sale on Thursday and did not walk out.”"
    )
    assert lines[walkout - 1].startswith("- contradict 0.")
    assert lines[walkout - 1].endswith("said: 2025-03-14 (the article's date)")
    assert lines[walkout + 1] == "cues: negated event: 'did not walk'"
    assert not (tmp_path / "monitor.db").exists()  # nothing written, not even an empty database


def test_explain_json_has_the_same_decisions(tmp_path: Path) -> None:
    rules, article = setup(tmp_path)
    result = monitor(
        tmp_path, "explain", str(article), "-c", str(rules), "--json", "--claim", "pellworth-walkout"
    )
    (explained,) = json.loads(result.stdout)["articles"]
    assert explained["title"] == "Corvane agrees Pellworth deal"
    assert explained["published"].startswith("2025-03-14") and not explained["published_estimated"]
    assert explained["date_origin"] == "marker"
    by_topic = {t["topic"]: t for t in explained["topics"]}
    assert by_topic["takeovers"]["accepted"] and by_topic["takeovers"]["any_found"] == ["acquire"]
    assert by_topic["harbour-strike"]["missing_all"] == ["strike"]
    (claim,) = explained["claims"]  # only the claim asked for
    assert claim["claim_id"] == "pellworth-walkout" and claim["entities_named"] == ["Pellworth"]
    assert claim["counted"] is False and [t["accepted"] for t in claim["topics"]] == [False]
    (sentence,) = claim["sentences"]
    expected: dict[str, Any] = {"stance": "contradict", "said_on": "2025-03-14", "said_on_from": "article"}
    expected |= {"speaker": None, "via": None}
    assert {k: sentence[k] for k in expected} == expected
    assert sentence["cues"] == ["negated event: 'did not walk'"] and 0.5 < sentence["confidence"] <= 1


def test_explain_exits_2_for_an_unknown_claim_or_an_unreadable_file(tmp_path: Path) -> None:
    rules, article = setup(tmp_path)
    unknown = monitor(tmp_path, "explain", str(article), "-c", str(rules), "--claim", "nope", code=2)
    assert "No claim 'nope'" in unknown.stderr and "corvane-buys-pellworth" in unknown.stderr
    missing = monitor(tmp_path, "explain", str(tmp_path / "gone.txt"), "-c", str(rules), code=2)
    assert "Cannot read" in missing.stderr and "gone.txt" in missing.stderr
    (tmp_path / "empty.txt").write_text("\n\n")
    empty = monitor(tmp_path, "explain", str(tmp_path / "empty.txt"), "-c", str(rules), code=2)
    assert "empty file" in empty.stderr
    assert not (tmp_path / "monitor.db").exists()


def test_explain_reads_a_web_page_through_the_fetcher(tmp_path: Path, server: FeedServer) -> None:
    rules, _ = setup(tmp_path)
    page = (
        "<html><head><title>Corvane agrees Pellworth deal</title>"
        '<meta property="og:site_name" content="Harbour Ledger">'
        '<meta name="date" content="2025-03-14"></head><body><article><h1>Corvane agrees Pellworth deal</h1>'
        + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
        + "</article></body></html>"
    )
    server.set("/news/corvane", body=page.encode(), content_type="text/html; charset=utf-8")
    result = monitor(tmp_path, "explain", server.url("/news/corvane"), "-c", str(rules), "--json")
    (explained,) = json.loads(result.stdout)["articles"]
    assert explained["url"] == server.url("/news/corvane") and explained["outlet"] == "Harbour Ledger"
    assert explained["published"].startswith("2025-03-14") and explained["date_origin"] == "metadata"
    assert [c["counted"] for c in explained["claims"]] == [True, False]
    server.set("/news/gone", status=404, body=b"no")
    gone = monitor(tmp_path, "explain", server.url("/news/gone"), "-c", str(rules), code=2)
    assert "Cannot read" in gone.stderr and "HTTP 404" in gone.stderr


def test_run_once_counts_articles_a_topic_rule_dropped(tmp_path: Path) -> None:
    rules, _ = setup(tmp_path)
    result = monitor(tmp_path, "run", "--once", "-c", str(rules))
    assert (
        "1 article(s) named a claim's entities but no topic rule accepted them: see `monitor explain`"
        in result.stdout
    )
    assert (
        "names the entities of pellworth-walkout, but no topic rule of the claim accepted it" in result.stdout
    )
    assert "inbox/corvane.txt: corvane-buys-pellworth" in result.stdout  # the other claim is read
