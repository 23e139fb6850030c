"""Alert messages per channel kind: every event renders with its evidence for Slack, email and plain
text; user text is escaped for each; messages are cut cleanly to each kind's limits; a digest says how
many alerts it left out; templates can be overridden, and a broken override names its file and line."""

from __future__ import annotations

import email
import json
import re
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest

from monitor.domain import ClaimSpec, ClaimStatus, EventKind, Stance
from monitor.ingest.health import HealthEvent
from monitor.ledger.alerts import health_alert, silence_alert, statement_alert, status_alert
from monitor.ledger.claim_ledger import Ledger, LedgerEvent
from monitor.ledger.statements import LedgerEntry, Statement
from monitor.notify.render import (
    AlertView,
    Limits,
    Message,
    Renderer,
    TemplateError,
    kind_for_url,
    limits,
    limits_for_url,
)

CLAIM = ClaimSpec(
    "nk-troops-ukraine", "North Korean troops are fighting for Russia in Ukraine", ("North Korea",)
)
AT = datetime(2024, 10, 28, 8, 0, tzinfo=UTC)
URL = "https://example.org/world/dprk-troops?id=7&lang=en"


def entry(
    sentence: str,
    *,
    speaker: str | None,
    outlet: str,
    stance: Stance,
    confidence: float,
    said: datetime,
    url: str | None = URL,
    title: str = "DPRK troops in Russia",
    article_id: int = 1,
) -> LedgerEntry:
    return LedgerEntry(
        evidence_id=article_id * 100,
        article_id=article_id,
        article_key=f"key{article_id}",
        stance=stance,
        confidence=confidence,
        sentence=sentence,
        start=0,
        speaker=speaker,
        via=None,
        outlet=outlet,
        article_outlet=outlet,
        published=said,
        estimated=False,
        title=title,
        url=url,
        location=f"wire/{article_id}",
    )


def statement(source: str, first: LedgerEntry, repeats: tuple[LedgerEntry, ...] = ()) -> Statement:
    return Statement(
        id=f"s-{source}-{first.article_id}",
        source=source,
        stance=first.stance,
        said_at=first.published,
        estimated=False,
        first=first,
        repeats=repeats,
    )


KOVALENKO = statement(
    "Andrii Kovalenko",
    entry(
        "Andrii Kovalenko said that the information about DPRK soldiers being sent to Ukraine was not true.",
        speaker="Andrii Kovalenko",
        outlet="Censor.NET",
        stance=Stance.CONTRADICT,
        confidence=0.85,
        said=datetime(2024, 10, 16, tzinfo=UTC),
    ),
)
RUTTE_BEFORE = statement(
    "NATO",
    entry(
        "NATO has no evidence that North Korean soldiers are involved in hostilities against Ukraine.",
        speaker="NATO Secretary General Mark Rutte",
        outlet="UNN",
        stance=Stance.CONTRADICT,
        confidence=0.72,
        said=datetime(2024, 10, 17, tzinfo=UTC),
        url="https://unn.example/rutte",
        title="Rutte: no evidence",
        article_id=3,
    ),
)
RUTTE_NOW = statement(
    "NATO",
    entry(
        "NATO confirmed that North Korean troops have been sent to Russia.",
        speaker="NATO Secretary General Mark Rutte",
        outlet="Reuters",
        stance=Stance.CONFIRM,
        confidence=0.91,
        said=datetime(2024, 10, 28, tzinfo=UTC),
        url="https://reuters.example/nato",
        title="NATO confirms DPRK troops in Russia",
        article_id=4,
    ),
)


def ledger(status: ClaimStatus = ClaimStatus.CONTESTED) -> Ledger:
    return Ledger(statements=(), events=(), status=status, reason="1 independent source contradicts")


def polar_event(kind: EventKind, st: Statement, n: int = 0) -> LedgerEvent:
    verb = "confirms" if kind is EventKind.CONFIRMATION else "contradicts"
    return LedgerEvent(
        kind=kind,
        at=st.said_at,
        key=f"{st.source}:{n}",
        reason=f"{st.source} {verb} the claim ({st.said_at.day} {st.said_at:%b %Y})",
        source=st.source,
        statement=st,
    )


def view(draft: Any, minutes: int = 0) -> AlertView:
    return AlertView.from_draft(draft, AT + timedelta(minutes=minutes))


def contradiction(st: Statement = KOVALENKO) -> AlertView:
    return view(statement_alert(CLAIM, ledger(), [polar_event(EventKind.CONTRADICTION, st)]))


def confirmation(statements: list[Statement]) -> AlertView:
    events = [polar_event(EventKind.CONFIRMATION, s, i) for i, s in enumerate(statements)]
    return view(statement_alert(CLAIM, ledger(ClaimStatus.CONFIRMED), events), 1)


def position_change() -> AlertView:
    event = LedgerEvent(
        kind=EventKind.POSITION_CHANGE,
        at=RUTTE_NOW.said_at,
        key="NATO:1",
        reason="NATO moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)",
        source="NATO",
        statement=RUTTE_NOW,
        previous=RUTTE_BEFORE,
    )
    return view(statement_alert(CLAIM, ledger(ClaimStatus.CONFIRMED), [event]), 2)


def status_change() -> AlertView:
    draft = status_alert(
        claim_id=CLAIM.id,
        claim_text=CLAIM.text,
        old=ClaimStatus.CONTESTED,
        new=ClaimStatus.CONFIRMED,
        reason="3 independent sources confirm (Censor.NET, 16 Oct 2024; UNN, 17 Oct 2024; NATO, 28 Oct 2024)",
        change_id=2,
        article=None,
    )
    return view(draft, 3)


def silence() -> AlertView:
    since = datetime(2024, 11, 1, 9, 30, tzinfo=UTC)
    return view(silence_alert(CLAIM, last_evidence=7, since=since, quiet=14 * 86400), 4)


def source_health() -> AlertView:
    draft = health_alert(
        source="example-wire",
        event=HealthEvent.DOWN,
        failures=3,
        error="HTTP 503 <Service Unavailable>",
        last_success=datetime(2024, 10, 27, 22, 0, tzinfo=UTC),
        at=AT,
    )
    return view(draft, 5)


KINDS = ("slack", "email", "text")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def visible(message: Message) -> str:
    """What a reader sees: the Slack CommonMark without its escapes, or the email's text part."""
    return re.sub(r"\\(.)", r"\1", message.text_body)


# Each event, each kind


@pytest.mark.parametrize("kind", KINDS)
def test_a_contradiction_quotes_the_evidence_with_speaker_outlet_date_confidence_and_link(
    renderer: Renderer, kind: str
) -> None:
    message = renderer.render(kind, [contradiction()])
    text = visible(message)
    assert message.title == "New independent contradiction on nk-troops-ukraine: Andrii Kovalenko"
    assert message.body_format == {"slack": "markdown", "email": "html", "text": "text"}[kind]
    assert (message.shown, message.omitted) == (1, 0)
    assert KOVALENKO.first.sentence in text
    for fact in ("Andrii Kovalenko", "Censor.NET", "16 Oct 2024", "contradict 0.85", URL, CLAIM.text):
        assert fact in text, fact
    assert "contested" in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_confirmation_quotes_every_new_source(renderer: Renderer, kind: str) -> None:
    message = renderer.render(kind, [confirmation([KOVALENKO, RUTTE_NOW])])
    text = visible(message)
    assert RUTTE_NOW.first.sentence in text and KOVALENKO.first.sentence in text
    assert "confirm 0.91" in text and "Reuters" in text and "28 Oct 2024" in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_position_change_shows_before_and_now(renderer: Renderer, kind: str) -> None:
    text = visible(renderer.render(kind, [position_change()]))
    before, now = text.index(RUTTE_BEFORE.first.sentence), text.index(RUTTE_NOW.first.sentence)
    assert "Before:" in text and "Now:" in text and before < now
    assert "NATO moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)" in text
    for fact in ("NATO Secretary General Mark Rutte", "UNN", "contradict 0.72", "https://unn.example/rutte"):
        assert fact in text, fact


@pytest.mark.parametrize("kind", KINDS)
def test_a_status_change_gives_old_and_new_status_and_why(renderer: Renderer, kind: str) -> None:
    message = renderer.render(kind, [status_change()])
    text = visible(message)
    assert message.title == "nk-troops-ukraine is now confirmed (was contested)"
    assert "contested" in text and "confirmed" in text
    assert "3 independent sources confirm (Censor.NET, 16 Oct 2024; UNN" in text


@pytest.mark.parametrize("kind", KINDS)
def test_silence_and_source_health_say_what_happened(renderer: Renderer, kind: str) -> None:
    quiet = visible(renderer.render(kind, [silence()]))
    assert "since 2024-11-01 09:30 UTC" in quiet and CLAIM.text in quiet
    health = renderer.render(kind, [source_health()])
    assert health.title == "Source example-wire is failing (3 attempts in a row)"
    assert "HTTP 503 <Service Unavailable>" in visible(health)
    assert "2024-10-27 22:00 UTC" in visible(health)


def test_an_alert_without_a_link_names_its_article(renderer: Renderer) -> None:
    plain = statement(
        "Censor.NET",
        entry(
            "The situation is changing.",
            speaker=None,
            outlet="Censor.NET",
            stance=Stance.CONFIRM,
            confidence=0.83,
            said=AT,
            url=None,
            article_id=9,
        ),
    )
    for kind in KINDS:
        text = visible(renderer.render(kind, [confirmation([plain])]))
        assert "DPRK troops in Russia (wire/9)" in text
        assert "speaker not stated (Censor.NET)" in text


# Escaping

HOSTILE = statement(
    "Tom & Jerry",
    entry(
        'He wrote <b>"yes"</b> & <!channel> [click](https://evil.example) > done',
        speaker="Tom & Jerry <@U123>",
        outlet="A&B <News>",
        stance=Stance.CONFIRM,
        confidence=0.8,
        said=AT,
        url="https://example.org/a?b=1&c=<2>",
        title="Title <i>&</i>",
    ),
)


def slack_payload(monkeypatch: pytest.MonkeyPatch, message: Message) -> dict[str, Any]:
    """What Apprise's Slack plugin posts for this message (the HTTP call is intercepted)."""
    from apprise import Apprise

    posted: list[dict[str, Any]] = []

    class Response:
        status_code = 200
        content = b"ok"
        text = "ok"
        headers: ClassVar[dict[str, str]] = {}

    def request(method: str, url: str, data: str | None = None, **kwargs: Any) -> Response:
        posted.append(json.loads(data or "{}"))
        return Response()

    monkeypatch.setattr("requests.request", request)
    apprise = Apprise()
    assert apprise.add("slack://T000/B000/XXXXXXXXXXXX")
    assert apprise.notify(title=message.title, body=message.body, body_format=message.body_format)
    (payload,) = posted
    return payload


def test_slack_escapes_user_text_so_it_stays_literal(
    renderer: Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = renderer.render("slack", [confirmation([HOSTILE])])
    assert r"He wrote \<b\>" in message.body and r"\[click\]" in message.body
    text = slack_payload(monkeypatch, message)["attachments"][0]["text"]
    assert (
        'He wrote &lt;b&gt;"yes"&lt;/b&gt; &amp; &lt;!channel&gt; [click](https://evil.example) &gt; done'
        in text
    )
    assert "*Tom &amp; Jerry &lt;@U123&gt;*" in text
    assert "A&amp;B &lt;News&gt;" in text
    assert "<!channel>" not in text and "<@U123>" not in text
    # The one real link: Slack's <url|text>, its target percent-encoded where it could break out.
    links = re.findall(r"<([^<>]*)>", text)
    assert links == ["https://example.org/a?b=1&amp;c=%3C2%3E|Title &lt;i&gt;&amp;&lt;/i&gt;"]
    assert "*Claim:*" in text  # CommonMark bold became Slack bold


def test_email_escapes_user_text_and_links_only_web_urls(renderer: Renderer) -> None:
    message = renderer.render("email", [confirmation([HOSTILE])])
    assert "&lt;b&gt;&#34;yes&#34;&lt;/b&gt; &amp; &lt;!channel&gt;" in message.body
    assert "<b>&#34;" not in message.body and "<!channel>" not in message.body
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in message.body
    assert 'He wrote <b>"yes"</b> & <!channel>' in message.text_body
    sneaky = statement(
        "X",
        entry(
            "A sentence.",
            speaker="X",
            outlet="Y",
            stance=Stance.CONFIRM,
            confidence=0.8,
            said=AT,
            url="javascript:alert(1)",
        ),
    )
    body = renderer.render("email", [confirmation([sneaky])]).body
    assert "href" not in body and "javascript:alert(1)" not in body


def test_the_email_text_part_is_what_apprise_sends_and_reads_well(renderer: Renderer) -> None:
    message = renderer.render("email", [position_change()])
    sent = send_email(message)
    assert sent["Subject"] == message.title
    parts = {p.get_content_type(): p.get_content() for p in sent.walk() if not p.is_multipart()}
    assert sent.get_content_type() == "multipart/alternative"
    assert parts["text/html"].replace("\r\n", "\n").strip() == message.body.strip()
    assert parts["text/plain"].replace("\r\n", "\n").strip() == message.text_body
    assert message.text_body.splitlines()[:9] == [
        f"Claim: {CLAIM.text} (nk-troops-ukraine, now confirmed)",
        "Why: NATO moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)",
        "",
        "Before:",
        f"> “{RUTTE_BEFORE.first.sentence}”",
        "— NATO Secretary General Mark Rutte · UNN · said 17 Oct 2024 · contradict 0.72",
        "Rutte: no evidence",
        "https://unn.example/rutte",
        "",
    ]
    assert "<" not in message.text_body


# Digests and limits


def test_a_digest_summarises_then_lists_each_alert(renderer: Renderer) -> None:
    alerts = [contradiction(), confirmation([RUTTE_NOW]), position_change(), status_change()]
    for kind in KINDS:
        message = renderer.render(kind, alerts)
        text = visible(message)
        assert message.title == "4 alerts on nk-troops-ukraine since 08:00 UTC"
        assert (
            "4 alerts on nk-troops-ukraine since 08:00 UTC: 1 new confirmation, 1 new contradiction, "
            "1 position change, 1 status change"
        ) in text
        positions = [text.index(a.title) for a in alerts]
        assert positions == sorted(positions), kind
        assert "more alert" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_digest_of_500_alerts_stays_within_the_limit_and_says_how_many_are_left_out(
    renderer: Renderer, kind: str
) -> None:
    alerts = [contradiction(), confirmation([RUTTE_NOW, KOVALENKO]), position_change(), status_change()]
    many = [alerts[i % 4] for i in range(500)]
    message = renderer.render(kind, many)
    assert 1 < message.shown < 500 and message.shown + message.omitted == 500
    assert message.body.rstrip().endswith(
        f"… ({message.omitted} more alerts)" + ("</p></div></body></html>" if kind == "email" else "")
    )
    assert len(message.title) <= limits(kind).title
    if kind == "slack":
        assert len(slack_text(message)) <= limits("slack").body
    else:
        assert len(message.body) <= limits(kind).body
    if kind == "email":
        assert_balanced_html(message.body)
    # As many alerts as fit: one more would not.
    fuller = renderer.render(kind, many[: message.shown + 1])
    assert fuller.omitted == 1


def test_a_long_alert_drops_whole_statements_first(renderer: Renderer) -> None:
    sources = [
        statement(
            f"Agency {i}",
            entry(
                f"Agency {i} confirmed that North Korean troops arrived in Kursk.",
                speaker=f"Agency {i}",
                outlet="Wire",
                stance=Stance.CONFIRM,
                confidence=0.8,
                said=AT,
                article_id=i,
            ),
        )
        for i in range(1, 60)
    ]
    message = renderer.render("text", [confirmation(sources)])
    assert len(message.body) <= 1600
    shown = message.body.count("confirmed that North Korean troops arrived in Kursk.”")
    assert 1 <= shown < 59
    assert f"… ({59 - shown} more statements)" in message.body


@pytest.mark.parametrize("kind", KINDS)
def test_an_enormous_quote_is_shortened_at_a_word_boundary(renderer: Renderer, kind: str) -> None:
    words = " ".join(f"word{i}" for i in range(20000))
    huge = statement(
        "Wire",
        entry(words, speaker="Wire", outlet="Wire", stance=Stance.CONFIRM, confidence=0.8, said=AT),
    )
    message = renderer.render(kind, [confirmation([huge])])
    assert len(message.body) <= limits(kind).body
    quoted = re.search(r"“(word0 [^”]*)”", visible(message))
    assert quoted, message.body[:500]
    kept = quoted.group(1)
    assert kept.endswith("…") and words.startswith(kept[:-1]) and words[len(kept) - 1] == " "


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_limits_cut_after_a_whole_line(renderer: Renderer, kind: str) -> None:
    message = renderer.render(kind, [position_change()], Limits(body=420, title=40))
    assert len(message.body) <= 420
    assert len(message.title) <= 40 and message.title.endswith("…")
    assert "NATO changed position on".startswith(message.title[:-1].rstrip())
    lines = visible(message).splitlines()
    assert re.fullmatch(r"… \(\d+ more lines\)", lines[-1]), lines
    if kind == "email":
        assert_balanced_html(message.body)


def test_a_service_without_a_title_gets_room_for_it_in_the_body(renderer: Renderer) -> None:
    lim = Limits(body=1000, title=250, title_in_body=True)
    message = renderer.render("text", [confirmation([KOVALENKO, RUTTE_NOW, RUTTE_BEFORE])], lim)
    assert len(message.title) + 2 + len(message.body) <= 1000


def test_limits_come_from_the_apprise_plugins() -> None:
    assert limits("slack") == Limits(body=35_000, title=150)
    assert limits("email") == Limits(body=32_768, title=250)
    assert limits("text") == Limits(body=1_600, title=250)
    assert limits_for_url("slack://T000/B000/XXXXXXXXXXXX") == Limits(body=35_000, title=150)
    assert limits_for_url("mailtos://user:pass@example.org") == Limits(body=32_768, title=250)
    assert limits_for_url("json://127.0.0.1:8080/hook") == Limits(body=32_768, title=250)
    assert limits_for_url("discord://1234/abcd") == Limits(body=2_000, title=250)
    assert limits_for_url("tgram://123456789:abcdefg_hijklmnop/12315544") == Limits(4096, 250, True)
    assert limits_for_url("nonsense://x") == limits("text")
    with pytest.raises(ValueError, match="unknown message kind"):
        limits("sms")


def test_the_kind_is_guessed_from_the_url() -> None:
    assert kind_for_url("slack://T000/B000/XXXX") == "slack"
    assert kind_for_url("https://hooks.slack.com/services/T000/B000/XXXX") == "slack"
    assert kind_for_url("mailto://user:pass@gmail.com") == "email"
    assert kind_for_url("MAILTOS://user:pass@example.org") == "email"
    for url in ("json://host/hook", "form://host", "xml://host", "tgram://bot/chat", "console://"):
        assert kind_for_url(url) == "text", url


# Overrides


def test_an_override_replaces_a_template_and_the_rest_stay(renderer: Renderer, tmp_path: Path) -> None:
    (tmp_path / "slack.md.j2").write_text(
        "{% set a = alerts[0] %}{{ a.claim_id }}: "
        "{{ a.statements[0].sentence|md }} ({{ a.statements|length }})\n"
    )
    (tmp_path / "title.txt.j2").write_text("[monitor] {{ alerts[0].title }}")
    custom = Renderer(tmp_path)
    message = custom.render("slack", [confirmation([HOSTILE])])
    assert message.body == (
        r'nk-troops-ukraine: He wrote \<b\>"yes"\</b\> & \<!channel\> '
        r"\[click\](https://evil.example) \> done (1)"
        "\n"
    )
    assert message.title.startswith("[monitor] New independent confirmation")
    assert custom.render("text", [contradiction()]).body == renderer.render("text", [contradiction()]).body


def test_a_broken_override_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "email.html.j2"
    path.write_text("<p>\n{{ alerts[0].title }}\n{% if alerts %}\n<b>unclosed</b>\n")
    with pytest.raises(TemplateError) as broken:
        Renderer(tmp_path)
    assert str(broken.value).startswith(f"{path}:4: ") and "endif" in str(broken.value)

    path.write_text("<p>\n{{ alerts[0].title }}\n{{ alerts[0].no_such_thing }}\n</p>\n")
    custom = Renderer(tmp_path)
    with pytest.raises(TemplateError) as failing:
        custom.render("email", [contradiction()])
    assert str(failing.value).startswith(f"{path}:3: ") and "no_such_thing" in str(failing.value)


def test_a_misspelt_override_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "slak.md.j2").write_text("x")
    with pytest.raises(TemplateError, match=r"did you mean 'slack\.md\.j2'"):
        Renderer(tmp_path)
    with pytest.raises(NotADirectoryError):
        Renderer(tmp_path / "missing")


# Helpers


def slack_text(message: Message) -> str:
    """The mrkdwn Apprise's Slack plugin makes of the body (its `dialect_convert` hook)."""
    from apprise import Apprise
    from apprise.common import NotifyFormat

    slack = Apprise.instantiate("slack://T000/B000/XXXXXXXXXXXX")
    return str(slack.dialect_convert(message.body, NotifyFormat(message.body_format)))


class _Balance(HTMLParser):
    VOID: ClassVar[set[str]] = {"br", "meta", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def assert_balanced_html(body: str) -> None:
    parser = _Balance()
    parser.feed(body)
    parser.close()
    assert parser.stack == []


class _SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.received: list[bytes] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                def reply(text: str) -> None:
                    self.wfile.write(text.encode() + b"\r\n")

                reply("220 sink")
                data: list[bytes] | None = None
                for raw in iter(self.rfile.readline, b""):
                    if data is not None:
                        if raw.rstrip(b"\r\n") == b".":
                            sink.received.append(b"".join(data))
                            data = None
                            reply("250 queued")
                        else:
                            data.append(raw[1:] if raw.startswith(b"..") else raw)
                        continue
                    command = raw.decode().strip().upper()
                    if command.startswith("EHLO"):
                        reply("250-sink")
                        reply("250 8BITMIME")
                    elif command == "DATA":
                        reply("354 go on")
                        data = []
                    elif command == "QUIT":
                        reply("221 bye")
                        return
                    else:
                        reply("250 ok")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()


def send_email(message: Message) -> email.message.EmailMessage:
    from apprise import Apprise

    sink = _SMTPSink()
    try:
        port = sink.server_address[1]
        apprise = Apprise()
        assert apprise.add(
            f"mailto://127.0.0.1:{port}?from=monitor@example.org&to=ops@example.org&mode=insecure"
        )
        assert apprise.notify(title=message.title, body=message.body, body_format=message.body_format)
        (raw,) = sink.received
    finally:
        sink.shutdown()
        sink.server_close()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_an_alert_of_an_older_shape_falls_back_to_its_plain_body(renderer: Renderer) -> None:
    old = AlertView(
        event="confirmation",
        claim_id=CLAIM.id,
        title="New independent confirmation on nk-troops-ukraine: Reuters",
        body="Claim: North Korean troops are fighting [nk-troops-ukraine]\n“They arrived.” — Reuters",
        confidence=0.9,
        created_at=AT,
        payload={"event": "confirmation", "claim_id": CLAIM.id, "evidence": [{"sentence": "They arrived."}]},
    )
    for kind in KINDS:
        text = visible(renderer.render(kind, [old]))
        assert "“They arrived.” — Reuters" in text and "[nk-troops-ukraine]" in text, kind
