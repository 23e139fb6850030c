"""The `llm` engine asks an OpenAI-compatible chat endpoint and falls back to another engine when it fails.

A stub chat server on 127.0.0.1 plays the endpoint; each test scripts its answers.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.analysis.stance import ENGINES, Passage, build_engine
from monitor.analysis.stance import llm as llm_module
from monitor.analysis.stance.rules import RulesEngine
from monitor.config.rules import ConfigError, load_rules
from monitor.domain import ClaimSpec, Judgement, Stance

from .loopback import LoopbackServer

CLAIM = ClaimSpec("nk", "North Korean troops are fighting for Russia in Ukraine", ("North Korea", "DPRK"))
SENTENCE = "The Pentagon confirmed that North Korean troops had arrived in Russia."
CONTEXT = "Officials spoke on Monday."
LOGGER = "monitor.analysis.stance.llm"


def completion(content: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


class ChatServer:
    """Answers POST /v1/chat/completions with the next scripted reply: (status, body, delay seconds)."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, Any, float]] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.requests.append(json.loads(body))
                server.headers.append(dict(self.headers.items()))
                status, reply, delay = server.replies.pop(0) if server.replies else (404, "no reply", 0.0)
                time.sleep(delay)
                data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/v1"

    def answer(self, content: str, status: int = 200, delay: float = 0.0) -> None:
        self.replies.append((status, completion(content), delay))


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.server.stop()


def engine(url: str, **options: Any) -> Any:
    return build_engine("llm", {"url": url, "model": "stub-7b", "fallback": "rules", **options})


def fallback_judgement() -> Judgement:
    return RulesEngine().judge(CLAIM, SENTENCE, CONTEXT)


def assert_fell_back(judgement: Judgement, reason: str) -> None:
    expected = fallback_judgement()
    assert (judgement.stance, judgement.confidence) == (expected.stance, expected.confidence)
    assert judgement.cues[: len(expected.cues)] == expected.cues
    assert judgement.cues[-1].startswith("llm unavailable: ")
    assert reason in judgement.cues[-1] and judgement.cues[-1].endswith("; fallback rules")


def test_a_good_answer_gives_its_stance_and_confidence(chat: ChatServer) -> None:
    chat.answer('{"stance": "confirm", "confidence": 0.87, "recap": false, "reason": "Pentagon confirms"}')
    judgement = engine(chat.url).judge(CLAIM, SENTENCE, CONTEXT)
    assert judgement == Judgement(Stance.CONFIRM, 0.87, ("llm: confirm 0.87", "Pentagon confirms"), False)
    [request] = chat.requests
    assert request["model"] == "stub-7b"
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    system, user = request["messages"]
    assert system["role"] == "system"
    for term in ("confirm", "contradict", "discuss", "unrelated", "hoax", "no evidence", "recap"):
        assert term in system["content"]
    assert user["role"] == "user"
    assert CLAIM.text in user["content"] and SENTENCE in user["content"] and CONTEXT in user["content"]


def test_json_wrapped_in_prose_is_read_and_recap_is_kept(chat: ChatServer) -> None:
    chat.answer('Sure!\n```json\n{"stance": " Contradict", "confidence": "0.7", "recap": true}\n```')
    judgement = engine(chat.url).judge(CLAIM, "Earlier, Pyongyang denied sending troops.")
    assert (judgement.stance, judgement.confidence, judgement.recap) == (Stance.CONTRADICT, 0.7, True)


def test_the_api_key_comes_from_the_named_environment_variable(
    chat: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_LLM_KEY", "sk-test")
    chat.answer('{"stance": "discuss", "confidence": 0.6}')
    engine(chat.url, api_key_env="STUB_LLM_KEY").judge(CLAIM, SENTENCE)
    assert chat.headers[0]["Authorization"] == "Bearer sk-test"
    monkeypatch.delenv("STUB_LLM_KEY")
    with pytest.raises(ValueError, match="STUB_LLM_KEY is not set"):
        engine(chat.url, api_key_env="STUB_LLM_KEY")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("I think it confirms the claim.", "no JSON object"),
        ('{"stance": "supports", "confidence": 0.9}', "unknown stance 'supports'"),
        ('{"stance": "confirm", "confidence": 1.5}', "confidence 1.5 is not in 0..1"),
        ('{"stance": "confirm"}', "confidence None is not in 0..1"),
    ],
)
def test_a_bad_answer_falls_back_with_one_warning(
    chat: ChatServer, caplog: pytest.LogCaptureFixture, content: str, reason: str
) -> None:
    chat.answer(content)
    chat.answer(content)
    llm = engine(chat.url)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        first, second = llm.judge_many(CLAIM, [Passage(SENTENCE, CONTEXT), Passage(SENTENCE, CONTEXT)])
    assert_fell_back(first, reason)
    assert_fell_back(second, reason)
    assert len(chat.requests) == 2  # bad answers are not retried, and do not rest the endpoint
    warnings = [r for r in caplog.records if r.name == LOGGER]
    assert len(warnings) == 1 and reason in warnings[0].getMessage()


def test_a_server_error_falls_back_after_the_retries(
    chat: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    chat.replies += [(500, "oops", 0.0), (503, "busy", 0.0)]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        judgement = engine(chat.url, max_retries=1).judge(CLAIM, SENTENCE, CONTEXT)
    assert_fell_back(judgement, "HTTP 503")
    assert len(chat.requests) == 2
    assert "HTTP 503" in caplog.text


def test_a_retry_can_succeed(chat: ChatServer) -> None:
    chat.replies.append((500, "oops", 0.0))
    chat.answer('{"stance": "confirm", "confidence": 0.8}')
    assert engine(chat.url, max_retries=1).judge(CLAIM, SENTENCE).stance is Stance.CONFIRM


def test_a_client_error_is_not_retried(chat: ChatServer) -> None:
    chat.replies += [(400, {"error": "bad request"}, 0.0)]
    judgement = engine(chat.url, max_retries=3).judge(CLAIM, SENTENCE, CONTEXT)
    assert_fell_back(judgement, "HTTP 400")
    assert len(chat.requests) == 1


def test_a_timeout_falls_back_then_the_endpoint_rests(
    chat: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    chat.answer('{"stance": "confirm", "confidence": 0.9}', delay=2.0)
    llm = engine(chat.url, timeout=0.5, max_retries=0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        first = llm.judge(CLAIM, SENTENCE, CONTEXT)
        second = llm.judge(CLAIM, SENTENCE, CONTEXT)
    assert time.monotonic() - started < 1.5
    assert_fell_back(first, "timeout after 0.5s")
    assert_fell_back(second, "timeout after 0.5s (resting)")
    assert len(chat.requests) == 1
    assert "timeout" in caplog.text


def test_a_closed_port_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        judgement = engine(f"http://127.0.0.1:{port}/v1").judge(CLAIM, SENTENCE, CONTEXT)
    assert_fell_back(judgement, "connection error")
    assert "connection error" in caplog.text


def test_an_empty_sentence_is_unrelated_without_a_request(chat: ChatServer) -> None:
    assert engine(chat.url).judge(CLAIM, " ?! ").stance is Stance.UNRELATED
    assert chat.requests == []


def test_an_unregistered_fallback_becomes_rules_with_a_warning(
    chat: ChatServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(ENGINES, "semantic", raising=False)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        llm = build_engine("llm", {"url": chat.url, "model": "stub-7b"})
    assert "'semantic' is not installed" in caplog.text
    chat.replies.append((500, "oops", 0.0))
    assert llm.judge(CLAIM, SENTENCE).cues[-1].endswith("; fallback rules")


def test_options_are_checked(chat: ChatServer) -> None:
    with pytest.raises(ValidationError, match="url"):
        build_engine("llm", {"model": "m"})
    with pytest.raises(ValidationError, match="API base URL"):
        build_engine("llm", {"url": "127.0.0.1:8080", "model": "m"})
    with pytest.raises(ValidationError, match="another engine than llm"):
        build_engine("llm", {"url": chat.url, "model": "m", "fallback": "llm"})
    with pytest.raises(ValidationError, match="not valid for the rules engine"):
        build_engine(
            "llm", {"url": chat.url, "model": "m", "fallback": "rules", "fallback_options": {"x": 1}}
        )
    with pytest.raises(ValidationError, match="temperature"):
        build_engine("llm", {"url": chat.url, "model": "m", "temperature": 0.2})
    assert engine(chat.url + "/", timeout="2m")._options.timeout == 120.0


def test_a_rules_file_with_a_bad_llm_option_names_the_key(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("stance:\n  kind: llm\n  url: http://127.0.0.1:9/v1\n  model: m\n  timout: 5\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    [problem] = caught.value.problems
    assert (problem.key, problem.line) == ("stance.timout", 5)
    assert "did you mean 'timeout'" in problem.message


def test_warnings_about_one_kind_of_failure_repeat_only_after_a_while(
    chat: ChatServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = engine(chat.url, max_retries=0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            chat.answer("not json")
            llm.judge(CLAIM, SENTENCE)
        monkeypatch.setattr(llm_module, "WARN_EVERY", 0.0)
        chat.answer("not json")
        llm.judge(CLAIM, SENTENCE)
    assert len([r for r in caplog.records if r.name == LOGGER]) == 2
