"""The `llm` stance engine: asks a chat model behind an OpenAI-compatible endpoint to judge each sentence.

    stance:
      kind: llm
      url: http://127.0.0.1:8080/v1     # the API base: the engine POSTs to {url}/chat/completions
      model: qwen2.5-7b-instruct        # the model name the server expects
      api_key_env: LLM_API_KEY          # optional: send "Authorization: Bearer $LLM_API_KEY"
      timeout: 20s                      # per request (seconds, or 30s / 2m)
      max_retries: 1                    # extra attempts after a time-out, connection error, 429 or 5xx
      fallback: semantic                # the engine that answers when the model cannot (not llm)
      fallback_options: {}              # that engine's options

Any server speaking the OpenAI chat API works: llama.cpp's `llama-server`, vLLM, Ollama (`/v1`), or a
hosted service. The request uses temperature 0 and asks for a JSON object `{"stance": "confirm" |
"contradict" | "discuss" | "unrelated", "confidence": 0..1, "recap": bool, "reason": "..."}`
(`response_format: json_object`); the first `{...}` in the answer is read, so a model that wraps its
JSON in prose or a code fence still works. The system prompt defines the four stances and the hard
cases of news language (attributed denials and "no evidence" statements contradict; hedges,
speculation, questions and conditionals only discuss; recaps of earlier statements are marked).

When the endpoint times out, cannot be reached, answers with an HTTP error, or gives an answer that is
not such an object (unknown stance, confidence outside 0..1), the sentence is judged by the `fallback`
engine instead and its cues end with "llm unavailable: REASON; fallback KIND". Each kind of failure is
logged as a warning at most once every five minutes. After a time-out, a connection error or a server
error (once retries are spent) the endpoint is given a minute's rest: sentences go straight to the
fallback, so a dead server does not hold up every sentence for `timeout` seconds. When `fallback` names
an engine that is not installed, the `rules` engine is used, with a warning.

`api_key_env` names an environment variable read when the engine is built (a missing variable is an
error then); keys are never written in the rules file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field, ValidationError, ValidationInfo, field_validator

from monitor.analysis.stance.base import ENGINES, EngineOptions, Passage, StanceEngine, register
from monitor.config.durations import parse_duration
from monitor.domain import ClaimSpec, Judgement, Stance

log = logging.getLogger(__name__)

WARN_EVERY = 300.0
"""Seconds between two warnings about the same kind of failure."""
REST = 60.0
"""Seconds the endpoint is left alone after it timed out, could not be reached or failed (5xx)."""

_WORD = re.compile(r"\w")
_STANCES = {stance.value: stance for stance in Stance}

SYSTEM_PROMPT = """\
You judge what one sentence from a news article says about a claim. Answer with one JSON object:
{"stance": "confirm" | "contradict" | "discuss" | "unrelated", "confidence": a number from 0 to 1,
 "recap": true | false, "reason": "a few words"}

Stances:
- confirm: the sentence states, or reports someone stating, that the claim is true or that it has
  happened ("The Pentagon confirmed that the troops had arrived", "The troops are fighting near Kursk").
- contradict: the sentence states, or reports someone stating, that the claim is false, or that there
  is no evidence or confirmation for it. Attributed denials count: "X dismissed the reports as a
  hoax", "Y called it groundless rumours", "the information was not true". So do lack-of-evidence
  statements: "NATO has no evidence that...", "has not yet confirmed...".
- discuss: the sentence is about the claim but takes no position: hedges, speculation, predictions,
  questions, conditionals and possibilities ("could send", "may be deployed", "if confirmed, it would
  mark an escalation", "whether the troops will fight"), plans or preparations not yet carried out,
  and reactions or background that neither affirm nor deny it.
- unrelated: the sentence does not bear on the claim at all.

Judge the sentence only; the previous sentence is context (to resolve "this", "they" and the like).
Set "recap" to true when the sentence repeats an earlier statement or report as background ("Earlier
it was reported that...", "Last week, officials said..."); still give that statement's stance.
"confidence" is how sure you are of the stance. Answer with the JSON object and nothing else."""


class LlmOptions(EngineOptions):
    url: str = Field(min_length=1)
    model: str = Field(min_length=1)
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=1, ge=0, le=5)
    fallback: str = "semantic"
    fallback_options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected the API base URL, e.g. http://127.0.0.1:8080/v1")
        return value.rstrip("/")

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("fallback")
    @classmethod
    def _not_itself(cls, value: str) -> str:
        if value == "llm":
            raise ValueError("the fallback must be another engine than llm (e.g. semantic or rules)")
        return value

    @field_validator("fallback_options")
    @classmethod
    def _fit_the_fallback(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Check the fallback's options now when that engine is registered (else when building)."""
        kind = info.data.get("fallback")
        entry = ENGINES.get(kind) if isinstance(kind, str) else None
        if entry is not None:
            try:
                entry.options.model_validate(value, context=info.context)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors()
                )
                raise ValueError(f"not valid for the {kind} engine: {problems}") from None
        return value


class LlmFailure(Exception):
    """The endpoint gave no usable judgement; `kind` groups failures for logging and resting."""

    def __init__(self, kind: str, detail: str, rest: bool = False) -> None:
        super().__init__(detail)
        self.kind = kind
        self.rest = rest


class LlmEngine:
    """Judges sentences with a chat model, as described in the module docstring."""

    name: str = "llm"
    reads_whole_article: bool = False

    def __init__(
        self, options: LlmOptions, client: httpx.Client, fallback: StanceEngine, fallback_kind: str
    ) -> None:
        self._options = options
        self._client = client
        self._fallback = fallback
        self._fallback_kind = fallback_kind
        self._warned: dict[str, float] = {}
        self._resting_until = 0.0
        self._rest_reason = ""

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        return self.judge_many(claim, [Passage(sentence, context)])[0]

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        results: list[Judgement | None] = []
        failed: list[tuple[int, str]] = []
        for i, passage in enumerate(passages):
            if not _WORD.search(passage.text):
                results.append(Judgement(Stance.UNRELATED, 1.0, ("empty sentence",)))
                continue
            try:
                results.append(self._ask(claim, passage))
            except LlmFailure as failure:
                results.append(None)
                failed.append((i, str(failure)))
        if failed:
            fallback = self._fallback.judge_many(claim, [passages[i] for i, _ in failed])
            for (i, reason), judgement in zip(failed, fallback, strict=True):
                note = f"llm unavailable: {reason}; fallback {self._fallback_kind}"
                results[i] = dataclasses.replace(judgement, cues=(*judgement.cues, note))
        return [r for r in results if r is not None]

    def _ask(self, claim: ClaimSpec, passage: Passage) -> Judgement:
        """One judgement from the endpoint. Raises LlmFailure (after logging it, rate-limited)."""
        if time.monotonic() < self._resting_until:
            raise LlmFailure("rest", f"{self._rest_reason} (resting)")
        try:
            return _judgement(self._post(_request(self._options.model, claim, passage)))
        except LlmFailure as failure:
            self._warn(failure)
            if failure.rest:
                self._resting_until = time.monotonic() + REST
                self._rest_reason = str(failure)
            raise

    def _post(self, body: dict[str, Any]) -> str:
        """POST the request, retrying transient failures; returns the answer's message content."""
        url = f"{self._options.url}/chat/completions"
        for attempt in range(self._options.max_retries + 1):
            try:
                response = self._client.post(url, json=body)
            except httpx.TimeoutException:
                failure = LlmFailure("timeout", f"timeout after {self._options.timeout:g}s", rest=True)
            except httpx.HTTPError as exc:
                failure = LlmFailure("connection", f"connection error: {exc}", rest=True)
            else:
                if response.is_success:
                    return _content(response)
                transient = response.status_code == 429 or response.status_code >= 500
                failure = LlmFailure("http", f"HTTP {response.status_code}", rest=transient)
                if not transient:
                    raise failure
            if attempt == self._options.max_retries:
                raise failure
        raise AssertionError("unreachable")

    def _warn(self, failure: LlmFailure) -> None:
        now = time.monotonic()
        last = self._warned.get(failure.kind)
        if last is not None and now - last < WARN_EVERY:
            return
        self._warned[failure.kind] = now
        log.warning(
            "llm stance engine (%s at %s): %s; judging with the %s engine instead "
            "(this warning repeats at most every %d minutes)",
            self._options.model,
            self._options.url,
            failure,
            self._fallback_kind,
            WARN_EVERY // 60,
        )


def _request(model: str, claim: ClaimSpec, passage: Passage) -> dict[str, Any]:
    context = (passage.context or "").strip() or "(none)"
    user = (
        f"Claim: {claim.text}\n"
        f"Previous sentence (context only): {context}\n"
        f"Sentence to judge: {passage.text.strip()}"
    )
    return {
        "model": model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
    }


def _content(response: httpx.Response) -> str:
    """The first choice's message content. Raises LlmFailure("answer") if there is none."""
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmFailure("answer", "bad answer: not a chat completion") from exc
    if not isinstance(content, str):
        raise LlmFailure("answer", "bad answer: no message content")
    return content


def _judgement(content: str) -> Judgement:
    """Read the JSON object in the model's answer. Raises LlmFailure("answer") if it is not usable."""
    answer = _first_object(content)
    if answer is None:
        raise LlmFailure("answer", "bad answer: no JSON object")
    raw_stance = answer.get("stance")
    stance = _STANCES.get(raw_stance.strip().lower()) if isinstance(raw_stance, str) else None
    if stance is None:
        raise LlmFailure("answer", f"bad answer: unknown stance {raw_stance!r}")
    confidence = _number(answer.get("confidence"))
    if confidence is None or not 0.0 <= confidence <= 1.0:
        raise LlmFailure("answer", f"bad answer: confidence {answer.get('confidence')!r} is not in 0..1")
    cues = [f"llm: {stance} {confidence:.2f}"]
    reason = answer.get("reason")
    if isinstance(reason, str) and reason.strip():
        cues.append(" ".join(reason.split())[:200])
    return Judgement(stance, round(confidence, 2), tuple(cues), answer.get("recap") is True)


def _first_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    for start in (m.start() for m in re.finditer(r"\{", text)):
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fallback(options: LlmOptions) -> tuple[str, StanceEngine]:
    kind, settings = options.fallback, options.fallback_options
    if kind not in ENGINES:
        log.warning(
            "llm stance engine: fallback engine %r is not installed; using the rules engine instead", kind
        )
        kind, settings = "rules", {}
    entry = ENGINES[kind]
    return kind, entry.build(entry.options.model_validate(settings))


@register("llm", options=LlmOptions)
def make_llm_engine(options: LlmOptions) -> LlmEngine:
    """Build the fallback engine and an HTTP client. Raises ValueError when `api_key_env` is not set."""
    headers: dict[str, str] = {}
    if options.api_key_env:
        key = os.environ.get(options.api_key_env)
        if not key:
            raise ValueError(f"llm stance engine: environment variable {options.api_key_env} is not set")
        headers["Authorization"] = f"Bearer {key}"
    kind, fallback = _fallback(options)
    client = httpx.Client(timeout=options.timeout, headers=headers)
    return LlmEngine(options, client, fallback, kind)
