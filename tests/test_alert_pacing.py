"""Notifications that arrive once, read well and never flood: digests, debounce, rate limits, quiet hours,
retries with back-off into the dead letter, and real receivers (an HTTP server and an SMTP server on
127.0.0.1). The clock is passed in, so no test waits for a digest window."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from monitor.app import App, build_app
from monitor.cli import app as cli
from monitor.config.settings import Settings
from monitor.domain import EventKind
from monitor.ledger.alerts import AlertDraft
from monitor.notify.dispatch import Dispatcher, sample_alert
from monitor.notify.rules import QuietHours
from monitor.notify.targets import plan_alert
from monitor.store import repository as repo
from monitor.store.db import unit_of_work
from monitor.store.models import DeliveryRow

from .conftest import Receiver

T0 = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


@pytest.fixture
def hook(receiver: Receiver) -> Receiver:
    return receiver


def make(tmp_path: Path, alerts_yaml: str) -> App:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "topics:\n  - name: t\n    any: [Acme]\n"
        "claims:\n"
        "  - {id: a, claim: Acme is closing its Leeds factory, entities: [Acme], topics: [t]}\n"
        "  - {id: b, claim: Acme is opening a Paris office, entities: [Acme]}\n" + alerts_yaml
    )
    return build_app(Settings(config=rules, database_url=f"sqlite:///{tmp_path / 'm.db'}"))


def add(
    app: App,
    n: int,
    *,
    claim: str = "a",
    event: EventKind = EventKind.CONFIRMATION,
    at: datetime = T0,
    payload: dict[str, Any] | None = None,
) -> None:
    with unit_of_work(app.sessions) as session:
        for i in range(n):
            key = f"{claim}:{event.value}:{at.isoformat()}:{i}"
            title = f"{event.value} {i} on {claim}"
            draft = AlertDraft(key, event, claim, 0.9, title, f"body {i}", payload or {})
            planned = plan_alert(app.routing, draft, app.rules.claim_topics(claim), at)
            repo.add_alert(session, draft=draft, article_id=None, deliveries=planned)


def run(app: App, at: datetime) -> Any:
    return Dispatcher(app.sessions, app.routing, app.rules.delivery, app.renderer, clock=lambda: at).run()


def states(app: App) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(DeliveryRow.state).order_by(DeliveryRow.id)))


def test_a_burst_of_500_events_becomes_one_digest_per_window(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"]}}]
  routes: [{{name: r, channels: [hook], digest: {{every: 15m}}}}]
""",
    )
    try:
        add(app, 500)
        assert run(app, T0).messages == 0 and hook.received == []  # the window is still open
        stats = run(app, datetime(2026, 11, 23, 10, 15, 0, tzinfo=UTC))
        assert stats.messages == 1 and stats.sent == 500
        assert len(hook.received) == 1
        digest = hook.received[0]
        assert digest["title"].startswith("500 alerts on a")
        assert "500 new confirmations" in digest["message"] and "confirmation 499 on a" in digest["message"]
        assert set(states(app)) == {"sent"}
        add(app, 3, at=datetime(2026, 11, 23, 10, 20, tzinfo=UTC))  # the next window: its own digest
        assert run(app, datetime(2026, 11, 23, 10, 30, tzinfo=UTC)).messages == 1
        assert len(hook.received) == 2
    finally:
        app.close()


def test_daily_digest_in_a_time_zone_and_quiet_hours() -> None:
    from monitor.notify.rules import Digest

    daily = Digest(daily="08:00", timezone="Europe/Berlin")
    assert daily.next_send(T0) == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 CET
    quiet = QuietHours(start="22:00", end="07:00", timezone="UTC")
    assert quiet.release(datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == datetime(
        2026, 11, 24, 7, 0, tzinfo=UTC
    )
    assert quiet.release(datetime(2026, 11, 23, 3, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert quiet.release(T0) == T0


def test_debounce_sends_one_message_per_claim(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"]}}]
  routes: [{{name: r, channels: [hook], debounce: 10m}}]
""",
    )
    try:
        add(app, 3, claim="a")
        add(app, 2, claim="b", at=T0 + timedelta(minutes=4))
        assert run(app, T0 + timedelta(minutes=5)).messages == 0
        stats = run(app, T0 + timedelta(minutes=15))
        assert stats.messages == 2 and stats.sent == 5
        titles = sorted(m["title"] for m in hook.received)
        assert any("3" in t for t in titles) and any("2" in t for t in titles), titles
    finally:
        app.close()


def test_a_rate_limited_channel_never_floods(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"], rate_limit: 3/h}}]
  routes: [{{name: r, channels: [hook]}}]
""",
    )
    try:
        add(app, 10)
        stats = run(app, T0)
        assert stats.messages == 3 and stats.sent == 10  # two alerts, then one digest of eight
        add(app, 4, at=T0 + timedelta(minutes=1))
        assert run(app, T0 + timedelta(minutes=2)).messages == 0  # the hour's three are used
        assert run(app, T0 + timedelta(minutes=61)).messages == 1  # then the four come as one
        assert len(hook.received) == 4
    finally:
        app.close()


def test_quiet_hours_hold_alerts_until_they_end(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"]}}]
  routes: [{{name: r, channels: [hook], quiet_hours: {{start: "22:00", end: "07:00"}}}}]
""",
    )
    try:
        night = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
        add(app, 2, at=night)
        assert run(app, night + timedelta(hours=1)).messages == 0
        assert run(app, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)).sent == 2
    finally:
        app.close()


def test_routes_filter_by_event_claim_topic_and_confidence(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"]}}]
  routes:
    - {{name: topic, channels: [hook], topics: [t], events: [contradiction]}}
    - {{name: again, channels: [hook], claims: [a], events: [contradiction]}}
""",
    )
    try:
        add(app, 1, claim="a", event=EventKind.CONTRADICTION)  # both routes: one delivery (same channel)
        add(app, 1, claim="b", event=EventKind.CONTRADICTION)  # claim b is in no topic and not named
        add(app, 1, claim="a", event=EventKind.CONFIRMATION)  # not an event either route takes
        assert len(states(app)) == 1
        assert run(app, T0).sent == 1
    finally:
        app.close()


def test_failures_back_off_then_land_in_the_dead_letter_and_retry_by_hand(
    tmp_path: Path, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}?rto=1.0"]}}]
  routes: [{{name: r, channels: [hook]}}]
  delivery: {{attempts: 3, backoff: 1m, max_backoff: 10m}}
""",
    )
    try:
        add(app, 1)
        hook.fail_next = 1
        hook.stall_next = 1  # first attempt: the receiver stalls past the read time-out
        assert run(app, T0).failed == 1
        assert run(app, T0 + timedelta(seconds=30)).failed == 0  # backing off: 1 min after attempt 1
        assert run(app, T0 + timedelta(minutes=1, seconds=1)).failed == 1  # HTTP 500
        hook.fail_next = 5
        assert run(app, T0 + timedelta(minutes=2)).failed == 0  # 2 min after attempt 2
        assert run(app, T0 + timedelta(minutes=3, seconds=2)).failed == 1  # third and last attempt
        assert states(app) == ["failed"]
        hook.fail_next = 0
        assert run(app, T0 + timedelta(hours=5)).sent == 0  # the dead letter is not retried on its own
        monkeypatch.setenv("MONITOR_CONFIG", str(app.settings.config))
        monkeypatch.setenv("MONITOR_DATABASE_URL", app.settings.database_url)
        runner = CliRunner()
        listed = runner.invoke(cli, ["alerts", "--failed", "--json"])
        assert listed.exit_code == 0, listed.output
        (row,) = json.loads(listed.output)
        assert row["deliveries"][0]["state"] == "failed" and row["deliveries"][0]["attempts"] == 3
        retried = runner.invoke(cli, ["alerts", "--retry", str(row["id"])])
        assert retried.exit_code == 0 and "sent 1" in retried.output, retried.output
        assert states(app) == ["sent"] and len(hook.received) == 1
        assert runner.invoke(cli, ["alerts", "--retry", str(row["id"])]).exit_code == 1  # nothing left
    finally:
        app.close()


def test_slack_style_message_to_a_webhook(tmp_path: Path, hook: Receiver) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: slackish, urls: ["{hook.url}?rto=1.0"], kind: slack}}]
  routes: [{{name: r, channels: [slackish]}}]
""",
    )
    try:
        add(app, 1, payload=sample_alert().payload)  # a confirmation's payload: claim, statements
        run(app, T0)
        (message,) = hook.received
        assert message["key"] and message["title"] == "confirmation 0 on a"
        text = message["message"]  # Markdown, which Apprise's Slack plugin turns into mrkdwn
        assert "**Example Agency**" in text and "This is a test: the monitor can reach this channel." in text
        assert re.search(r"said \d+ \w{3} \d{4}", text) and "confirm 0.90" in text
    finally:
        app.close()


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd needs a port number up front
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.controller.stop()


def test_email_has_a_subject_html_and_plain_text_parts(tmp_path: Path, mailbox: Mailbox) -> None:
    url = f"mailto://127.0.0.1:{mailbox.port}?from=monitor@example.org&to=analyst@example.org&mode=insecure"
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: mail, urls: ["{url}"]}}]
  routes: [{{name: r, channels: [mail]}}]
""",
    )
    try:
        add(app, 1, event=EventKind.CONTRADICTION)
        assert run(app, T0).sent == 1
        deadline = time.monotonic() + 5
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        (mail,) = mailbox.messages
        assert mail["Subject"] == "contradiction 0 on a"
        assert mail["To"] == "analyst@example.org"
        kinds = sorted(part.get_content_type() for part in mail.walk() if not part.is_multipart())
        assert kinds == ["text/html", "text/plain"], kinds
        html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
        assert "<" in html and "contradiction 0 on a" in html
    finally:
        app.close()


_ = threading  # the HTTP servers run on threads of their own (tests/loopback.py)


def test_notify_test_sends_a_sample_to_a_channel(
    tmp_path: Path, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make(
        tmp_path,
        f"""
alerts:
  channels: [{{name: hook, urls: ["{hook.url}"]}}, {{name: dead, urls: ["json://127.0.0.1:9/x?cto=0.5"]}}]
  routes: [{{name: r, channels: [hook, dead]}}]
""",
    )
    app.close()
    monkeypatch.setenv("MONITOR_CONFIG", str(app.settings.config))
    monkeypatch.setenv("MONITOR_DATABASE_URL", app.settings.database_url)
    runner = CliRunner()
    ok = runner.invoke(cli, ["notify-test", "hook"])
    assert ok.exit_code == 0 and ": sent" in ok.output, ok.output
    (message,) = hook.received
    assert "This is a test: the monitor can reach this channel." in message["message"]
    assert runner.invoke(cli, ["notify-test", "dead"]).exit_code == 1  # nothing listens on port 9
    unknown = runner.invoke(cli, ["notify-test", "nope"])
    assert unknown.exit_code == 1 and "Known: dead, hook" in unknown.output


def test_a_broken_template_override_is_a_rules_error_with_file_and_line(tmp_path: Path) -> None:
    from monitor.config.rules import ConfigError, load_rules

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "text.txt.j2").write_text("line one\n{% for a in alerts %}\n{{ a.title }\n")
    rules = tmp_path / "rules.yaml"
    channels = "  channels: [{name: c, urls: ['console://']}]\n"
    rules.write_text(f"alerts:\n  templates: templates\n{channels}  routes: [{{name: r, channels: [c]}}]\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    text = str(caught.value)
    assert "alerts.templates" in text and "templates/text.txt.j2:3: unexpected" in text, text
    quiet = "{start: '25:00', end: '07:00'}"
    rules.write_text(f"alerts:\n{channels}  routes: [{{name: r, channels: [c], quiet_hours: {quiet}}}]\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    text = str(caught.value)
    assert "alerts.routes[0].quiet_hours.start" in text and "expected a time of day" in text, text
