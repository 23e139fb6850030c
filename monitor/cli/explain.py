"""`explain`: why one article counts, or does not, for each claim. Reads a local file (as the folder
source does) or an http(s) URL (through the feeds' fetcher) and prints the decisions of
`monitor.analysis.explain`. Never opens the database."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from monitor.cli.common import STANCE_STYLE, ConfigOption, JsonOption, err, fail_config, out, settings_for

if TYPE_CHECKING:
    from monitor.analysis.explain import ClaimExplanation, Explanation
    from monitor.analysis.match import TopicDecision
    from monitor.domain import RawDocument
    from monitor.ingest.fetch import Fetcher

BAD_ARGUMENT = 2


def explain(
    file_or_url: Annotated[
        str, typer.Argument(help="An article file (.txt, .md, .html, .json) or an http(s) URL.")
    ],
    claim: Annotated[
        list[str] | None, typer.Option("--claim", help="Only this claim (repeat for several).")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show why one article counts for each claim, or not: the claim's entities it names, what each
    topic rule decided and why, and each relevant sentence with its stance, confidence, speaker, the
    day it was said and the cues. Writes nothing. Exits 2 for an unknown claim or an unreadable file."""
    from monitor.analysis.explain import explain as explain_article
    from monitor.app import make_analyzer, make_fetcher
    from monitor.config.rules import ConfigError, load_rules
    from monitor.ingest.article import to_article

    settings = settings_for(config)
    try:
        rules = load_rules(settings.config)
    except ConfigError as exc:
        raise fail_config(exc) from exc
    known = [c.id for c in rules.claims]
    for claim_id in claim or ():
        if claim_id not in known:
            err.print(f"[red]No claim {escape(repr(claim_id))}.[/] Known: {escape(', '.join(known))}")
            raise typer.Exit(BAD_ARGUMENT)
    fetcher = make_fetcher(rules)
    try:
        documents = _read(file_or_url, fetcher)
    finally:
        fetcher.close()
    try:
        analyzer = make_analyzer(rules)
    except ValueError as exc:
        err.print(f"[red]Cannot build the {rules.stance_kind!r} stance engine:[/] {escape(str(exc))}")
        raise typer.Exit(BAD_ARGUMENT) from exc
    explanations = [explain_article(analyzer, to_article(d), claim) for d in documents]
    if as_json:
        out.print_json(json.dumps({"articles": [_as_dict(e) for e in explanations]}))
        return
    for explanation in explanations:
        _print(explanation)


def _read(file_or_url: str, fetcher: Fetcher) -> list[RawDocument]:
    from monitor.ingest.page import read_page
    from monitor.ingest.sources.base import UnreadableItem
    from monitor.ingest.sources.folder import read_one

    try:
        if file_or_url.lower().startswith(("http://", "https://")):
            return read_page(fetcher, file_or_url)
        if "://" in file_or_url:
            err.print(f"[red]Unsupported address:[/] {escape(file_or_url)} (a file, or an http(s) URL)")
            raise typer.Exit(BAD_ARGUMENT)
        return read_one(Path(file_or_url))
    except UnreadableItem as exc:
        err.print(f"[red]Cannot read {escape(file_or_url)}:[/] {escape(str(exc))}")
        raise typer.Exit(BAD_ARGUMENT) from exc


def _day(value: datetime | None) -> str | None:
    return f"{value:%Y-%m-%d}" if value is not None else None


def _topic(decision: TopicDecision) -> dict[str, Any]:
    return {
        "topic": decision.topic,
        "accepted": decision.accepted,
        "reason": decision.reason,
        "missing_all": list(decision.missing_all),
        "any_found": list(decision.any_found) if decision.any_found is not None else None,
        "none_found": list(decision.none_found),
    }


def _claim(c: ClaimExplanation, published: datetime) -> dict[str, Any]:
    return {
        "claim_id": c.claim_id,
        "claim": c.claim,
        "entities_named": list(c.entities_named),
        "topics": [_topic(t) for t in c.topics],
        "counted": c.counted,
        "reason": c.reason,
        "stance": c.verdict.stance.value if c.verdict else None,
        "confidence": c.verdict.confidence if c.verdict else None,
        "sentences": [
            {
                "sentence": s.evidence.sentence.text,
                "index": s.evidence.sentence.index,
                "stance": s.evidence.stance.value,
                "confidence": s.evidence.judgement.confidence,
                "cues": list(s.evidence.judgement.cues),
                "explicit": s.evidence.judgement.explicit,
                "recap": s.evidence.judgement.recap,
                "speaker": s.evidence.attribution.speaker,
                "via": s.evidence.attribution.via,
                "said_on": _day(s.said_on or published),
                "said_on_from": "sentence" if s.said_on else "article",
            }
            for s in c.sentences
        ],
    }


def _as_dict(e: Explanation) -> dict[str, Any]:
    a = e.article
    return {
        "title": a.title,
        "source": a.source,
        "key": a.key,
        "url": a.url,
        "outlet": a.outlet,
        "published": a.published.isoformat(),
        "published_estimated": a.published_estimated,
        "date_origin": a.date_origin,
        "topics": [_topic(t) for t in e.topics],
        "claims": [_claim(c, a.published) for c in e.claims],
    }


def _print(e: Explanation) -> None:
    a = e.article
    out.print(f"[bold]{escape(a.title)}[/]")
    estimated = "estimated " if a.published_estimated else ""
    out.print(f"  date: {a.published:%Y-%m-%d} ({estimated}from the {escape(a.date_origin)})")
    out.print(f"  outlet: {escape(a.outlet or '-')}" + (f"  link: {escape(a.url)}" if a.url else ""))
    for decision in e.topics:
        mark = "[green]accepted[/]" if decision.accepted else "[red]rejected[/]"
        reason = decision.reason.split(": ", 1)[1]
        out.print(f"  topic [bold]{escape(decision.topic)}[/]: {mark} ({escape(reason)})")
    for c in e.claims:
        out.print()
        out.print(f"[bold]{escape(c.claim_id)}[/]: {escape(c.claim)}")
        named = ", ".join(c.entities_named) or "none"
        out.print(f"  entities named: {escape(named)}")
        for decision in c.topics:
            out.print(f"  topic rule {escape(decision.topic)}: {escape(decision.reason)}")
        style = "green" if c.counted else "yellow"
        out.print(f"  [{style}]{escape(c.reason)}[/]")
        if c.verdict is not None and c.sentences:
            v = c.verdict
            label = "article stance" if c.counted else "article stance, not counted"
            out.print(f"  {label}: [{STANCE_STYLE[v.stance.value]}]{v.stance.value} {v.confidence:.2f}[/]")
        for s in c.sentences:
            ev = s.evidence
            who = ev.attribution.speaker or "-"
            via = f" via {ev.attribution.via}" if ev.attribution.via else ""
            said = _day(s.said_on) or f"{a.published:%Y-%m-%d} (the article's date)"
            cues = ", ".join(ev.judgement.cues) or "-"
            out.print(
                f"  - [{STANCE_STYLE[ev.stance.value]}]{ev.stance.value}[/] {ev.judgement.confidence:.2f}"
                f"  speaker: {escape(who + via)}  said: {said}"
            )
            out.print(f"    “{escape(ev.sentence.text)}”")
            out.print(f"    cues: {escape(cues)}", style="dim")
