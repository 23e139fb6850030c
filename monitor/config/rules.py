"""Watch rules: the YAML file that says what to watch, what to track and whom to tell.

Validation is strict: an unknown key, a wrong type or a reference to something that does not exist is
a `ConfigError` whose lines each name the file, the line and the key (`config.yaml:12: claims[0].keyword:
unknown key; did you mean 'keywords'?`). Each stage validates its own options, and this file composes
them: source kinds (`monitor.ingest.sources`), stance engines (`monitor.analysis.stance`), topics and
claims (`monitor.analysis.match`), the ledger's `Policy`, and the `alerts:` section with its template
overrides (`monitor.notify.rules`).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.analysis.match import Claim, Topic
from monitor.analysis.stance import ENGINES
from monitor.config.durations import parse_duration
from monitor.config.safe_yaml import YamlProblem, read_yaml
from monitor.ingest.sources import SOURCE_KINDS, SourceOptions
from monitor.ledger.claim_ledger import Policy
from monitor.notify.rules import Alerts, Channel, Delivery, Route, url_problem

Loc = tuple[str | int, ...]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Polling(Strict):
    """How sources are polled: concurrency, politeness, limits, backoff and health alerts."""

    workers: int = Field(default=8, ge=1, le=64)
    per_host: int = Field(default=2, ge=1, le=16)
    timeout: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_backoff: float = Field(default=6 * 3600.0, gt=0)
    failures_before_alert: int = Field(default=5, ge=1)
    lease: float = Field(default=120.0, ge=3.0)
    """How long a worker's claim on a source lasts unless renewed (every third of it, while the poll
    runs): a worker that died has its sources taken over this long after its last renewal."""
    tick: float = Field(default=1.0, gt=0, le=60)
    """How often `monitor run` looks for sources that are due."""
    analysis_workers: int | None = Field(default=None, ge=1, le=64)
    """Processes that analyse new articles (monitor.analysis.pool); 1 analyses them in the polling
    process. Default: one per CPU for the `rules` stance engine, 1 for the engines that run a model
    (torch already uses every core for one forward pass)."""

    @field_validator("timeout", "max_backoff", "lease", "tick", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)


class Threshold(Strict):
    sources: int = Field(default=2, ge=1, description="independent sources needed")


class LedgerRules(Strict):
    """How evidence becomes a claim's status (monitor.ledger.claim_ledger): thresholds, authorities,
    speaker aliases."""

    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    confirmed: Threshold = Field(default_factory=Threshold)
    refuted: Threshold = Field(default_factory=Threshold)
    authorities: list[str] = Field(default_factory=list)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    silence: float | None = None
    """Alert when a claim has had no new evidence for this long (a duration such as `14d`)."""

    @field_validator("silence", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    def policy(self) -> Policy:
        return Policy(
            min_confidence=self.min_confidence,
            confirm_sources=self.confirmed.sources,
            refute_sources=self.refuted.sources,
            authorities=tuple(self.authorities),
        )


class StanceChoice(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str = "semantic"


class RulesFile(Strict):
    sources: list[dict[str, Any]] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    alerts: Alerts = Field(default_factory=Alerts)
    stance: StanceChoice = Field(default_factory=StanceChoice)
    polling: Polling = Field(default_factory=Polling)
    ledger: LedgerRules = Field(default_factory=LedgerRules)


@dataclass(frozen=True)
class Rules:
    """Validated watch rules; `sources` holds each source's own validated options model."""

    path: Path
    sources: tuple[SourceOptions, ...]
    topics: tuple[Topic, ...]
    claims: tuple[Claim, ...]
    routes: tuple[Route, ...]
    stance_kind: str
    stance_options: dict[str, Any]
    polling: Polling = field(default_factory=Polling)
    ledger: LedgerRules = field(default_factory=LedgerRules)
    channels: tuple[Channel, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    templates: Path | None = None

    def claim_topics(self, claim_id: str | None) -> frozenset[str]:
        claim = self.claim(claim_id) if claim_id else None
        return frozenset(claim.topics) if claim else frozenset()

    def source(self, name: str) -> SourceOptions | None:
        return next((s for s in self.sources if s.name == name), None)

    def claim(self, claim_id: str) -> Claim | None:
        return next((c for c in self.claims if c.id == claim_id), None)


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """The rules file is invalid; `problems` lists every finding with file, line and key."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("\n".join(str(p) for p in self.problems))


EMPTY_HINT = "--allow-empty (or MONITOR_ALLOW_EMPTY_RULES=1)"


def load_rules(path: Path, *, allow_empty: bool = False) -> Rules:
    """Read and validate a rules file. Raises ConfigError (never returns partially valid rules), also
    for an empty or comment-only file unless `allow_empty`: a file truncated by an editor or a failed
    copy would otherwise stop every source and claim without a word."""
    try:
        data, root = read_yaml(path)
    except OSError as exc:
        raise ConfigError([Problem(path, None, "", f"cannot read the rules file: {exc}")]) from exc
    except YamlProblem as exc:
        raise ConfigError([Problem(path, exc.line, _dotted(exc.loc), exc.message)]) from exc
    lines = _LineIndex(root)
    if data is None or data == {}:
        if not allow_empty:
            message = f"the rules file is empty (no sources, no claims); {EMPTY_HINT} accepts that"
            raise ConfigError([Problem(path, 1, "", message)])
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([Problem(path, 1, "", "the rules file must be a mapping (sources:, claims:, ...)")])
    raw_sources = data.get("sources")
    sources, problems = _sources(path, lines, raw_sources if isinstance(raw_sources, list) else [])
    try:
        parsed = RulesFile.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise ConfigError([*_problems(path, lines, exc, RulesFile), *problems]) from exc
    return _resolve(path, lines, parsed, sources, problems)


def _sources(
    path: Path, lines: _LineIndex, raw_sources: list[Any]
) -> tuple[list[SourceOptions], list[Problem]]:
    """Validate each source with the options model of its kind."""
    sources: list[SourceOptions] = []
    problems: list[Problem] = []
    for i, raw in enumerate(raw_sources):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        model = SOURCE_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            loc: Loc = ("sources", i, "kind")
            message = f"unknown source kind {kind!r}; known: {', '.join(SOURCE_KINDS)}"
            problems.append(Problem(path, lines.line(loc), _dotted(loc), message))
            continue
        url = raw.get("url")
        if isinstance(url, str):  # a feed URL may hold a key: `https://example.org/rss?token=${TOKEN}`
            try:
                raw = {**raw, "url": _expand_env(url)}
            except KeyError as missing:
                loc = ("sources", i, "url")
                problems.append(Problem(path, lines.line(loc), _dotted(loc), _unset(missing)))
                continue
        try:
            sources.append(model.model_validate(raw, context={"base_dir": path.parent}))
        except ValidationError as exc:
            problems.extend(_problems(path, lines, exc, model, prefix=("sources", i)))
    return sources, problems


def _resolve(
    path: Path, lines: _LineIndex, parsed: RulesFile, sources: list[SourceOptions], problems: list[Problem]
) -> Rules:
    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(path, lines.line(loc), _dotted(loc), message))

    _unique(problem, "sources", [getattr(s, "name", "") for s in sources], "name")
    _unique(problem, "topics", [t.name for t in parsed.topics], "name")
    _unique(problem, "claims", [c.id for c in parsed.claims], "id")
    _unique(problem, ("alerts", "routes"), [r.name for r in parsed.alerts.routes], "name")
    _unique(problem, ("alerts", "channels"), [c.name for c in parsed.alerts.channels], "name")

    topic_names = {t.name for t in parsed.topics}
    for i, claim in enumerate(parsed.claims):
        for j, name in enumerate(claim.topics):
            if name not in topic_names:
                problem(("claims", i, "topics", j), f"no topic named {name!r}{_hint(name, topic_names)}")
    claim_ids = {c.id for c in parsed.claims}
    channel_names = {c.name for c in parsed.alerts.channels}

    def expand(loc: Loc, raw: list[str]) -> list[str]:
        urls: list[str] = []
        for j, url in enumerate(raw):
            try:
                urls.append(_expand_env(url))
            except KeyError as missing:
                problem((*loc, "urls", j), _unset(missing))
                continue
            if (unreadable := url_problem(urls[-1])) is not None:
                problem((*loc, "urls", j), unreadable)
        return urls

    channels: list[Channel] = []
    for i, channel in enumerate(parsed.alerts.channels):
        if not channel.urls and not channel.tags:
            problem(("alerts", "channels", i), "a channel needs `urls` or `tags`")
        urls = expand(("alerts", "channels", i), channel.urls)
        channels.append(channel.model_copy(update={"urls": urls}))
    routes: list[Route] = []
    for i, route in enumerate(parsed.alerts.routes):
        for j, claim_id in enumerate(route.claims):
            if claim_id not in claim_ids:
                loc: Loc = ("alerts", "routes", i, "claims", j)
                problem(loc, f"no claim with id {claim_id!r}{_hint(claim_id, claim_ids)}")
        for j, name in enumerate(route.topics):
            if name not in topic_names:
                loc = ("alerts", "routes", i, "topics", j)
                problem(loc, f"no topic named {name!r}{_hint(name, topic_names)}")
        for j, name in enumerate(route.channels):
            if name not in channel_names:
                loc = ("alerts", "routes", i, "channels", j)
                problem(loc, f"no channel named {name!r}{_hint(name, channel_names)}")
        if not route.urls and not route.tags and not route.channels:
            problem(("alerts", "routes", i), "a route needs `channels`, `urls` or `tags`")
        routes.append(route.model_copy(update={"urls": expand(("alerts", "routes", i), route.urls)}))
    options = {k: v for k, v in (parsed.stance.model_extra or {}).items()}
    engine = ENGINES.get(parsed.stance.kind)
    if engine is None:
        problem(
            ("stance", "kind"), f"unknown stance engine {parsed.stance.kind!r}; known: {', '.join(ENGINES)}"
        )
    else:
        try:
            engine.options.model_validate(options, context={"base_dir": path.parent})
        except ValidationError as exc:
            problems.extend(_problems(path, lines, exc, engine.options, prefix=("stance",)))
    if problems:
        raise ConfigError(problems)
    return Rules(
        path=path,
        sources=tuple(sources),
        topics=tuple(parsed.topics),
        claims=tuple(parsed.claims),
        routes=tuple(routes),
        channels=tuple(channels),
        delivery=parsed.alerts.delivery,
        templates=parsed.alerts.templates,
        stance_kind=parsed.stance.kind,
        stance_options=options,
        polling=parsed.polling,
        ledger=parsed.ledger,
    )


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand_env(value: str) -> str:
    """Replace ${NAME} with the environment variable NAME (in every URL the rules hold: a source's `url`,
    a channel's or route's `urls`); raises KeyError naming a missing one."""
    return _ENV.sub(lambda m: os.environ[m.group(1)], value)


def _unset(missing: KeyError) -> str:
    return f"environment variable {missing} is not set"


def _unique(problem: Any, section: str | Loc, values: list[str], key: str) -> None:
    prefix: Loc = (section,) if isinstance(section, str) else section
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            problem((*prefix, i, key), f"duplicate {key} {value!r}")
        seen.add(value)


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems(
    path: Path, lines: _LineIndex, exc: ValidationError, model: type[BaseModel], prefix: Loc = ()
) -> Iterable[Problem]:
    for error in exc.errors():
        loc: Loc = (*prefix, *error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            known = _known_keys(model, error["loc"][:-1])
            message = f"unknown key{_hint(str(loc[-1]), known)}"
            if known:
                message += f" (allowed: {', '.join(sorted(known))})"
        yield Problem(path, lines.line(loc), _dotted(loc), message)


def _known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names allowed at `loc` inside `model` (for 'did you mean' hints)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


class _LineIndex:
    """Maps a key path such as ('claims', 0, 'keyword') to its 1-based line in the YAML file."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._lines: dict[Loc, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, loc: Loc) -> None:
        self._lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*loc, str(key.value))
                self._lines[child] = key.start_mark.line + 1
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*loc, i))

    def line(self, loc: Loc) -> int | None:
        for end in range(len(loc), -1, -1):
            found = self._lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return None
