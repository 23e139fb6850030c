"""Feeds polled from real HTTP servers on 127.0.0.1: conditional GET, redirects, Retry-After, errors,
timeouts, oversized and malformed bodies, edited entries and the same story in two feeds. No failure
stops the other sources."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.pipeline import PassStats, poll_source, run_pass
from monitor.store.models import AlertRow, ArticleRow, SourceItemRow, SourceRow

from .conftest import Receiver
from .feedserver import FeedServer, rss
from .httpserver import FeedServer as ScriptedServer

CONFIRM = "Acme confirmed that it has closed the Leeds factory, cutting 300 jobs."
DENY = "Acme denied reports that the Leeds factory is closing, calling them baseless rumours."
NEUTRAL = "Analysts discussed whether Acme could close the Leeds factory next year."


def rules(feeds: dict[str, str], *, extra: str = "", polling: str = "") -> str:
    sources = "".join(
        f"  - name: {name}\n    kind: feed\n    url: {url}\n    interval: 60\n{extra}"
        for name, url in feeds.items()
    )
    return f"""\
sources:
{sources}
claims:
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, plant, closing, closed, closure, jobs]
polling:
  timeout: 1
  max_bytes: 200000
  failures_before_alert: 3
{polling}"""


def make_app(tmp_path: Path, text: str, receiver: Receiver | None = None) -> App:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    urls = [receiver.url] if receiver else []
    return build_app(Settings(config=path, database_url=f"sqlite:///{tmp_path / 'm.db'}", notify_urls=urls))


def poll(app: App, name: str) -> PassStats:
    options = app.rules.source(name)
    assert options is not None
    return poll_source(app, options, only_due=False)


def source(app: App, name: str) -> SourceRow:
    with app.sessions() as session:
        row = session.scalar(select(SourceRow).where(SourceRow.name == name))
        assert row is not None
        return row


def count(app: App, model: Any, *where: Any) -> int:
    with app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_feed_is_read_then_answered_304_without_parsing(tmp_path: Path, server: FeedServer) -> None:
    server.set(
        "/a.xml",
        body=rss(
            "Wire", [{"guid": "1", "title": "Leeds", "description": CONFIRM, "link": "http://x.test/1"}]
        ),
        etag='"v1"',
    )
    app = make_app(tmp_path, rules({"a": server.url("/a.xml")}))
    first = poll(app, "a")
    assert (first.fetched, first.new_articles, first.alerts) == (1, 1, 2)  # confirmation + status change
    second = poll(app, "a")
    assert (second.not_modified, second.items, second.new_articles) == (1, 0, 0)
    assert server.conditional["/a.xml"] == 1
    assert source(app, "a").etag == '"v1"'


def test_a_permanent_redirect_updates_the_stored_url(tmp_path: Path, server: FeedServer) -> None:
    server.set("/old.xml", status=301, headers={"Location": server.url("/new.xml")})
    server.set("/new.xml", body=rss("Wire", [{"guid": "1", "title": "t", "description": CONFIRM}]))
    app = make_app(tmp_path, rules({"a": server.url("/old.xml")}))
    poll(app, "a")
    assert source(app, "a").url == server.url("/new.xml")
    poll(app, "a")
    assert server.hits["/old.xml"] == 1 and server.hits["/new.xml"] == 2


def test_a_temporary_redirect_keeps_the_url(tmp_path: Path, server: FeedServer) -> None:
    server.set("/old.xml", status=302, headers={"Location": server.url("/new.xml")})
    server.set("/new.xml", body=rss("Wire", []))
    app = make_app(tmp_path, rules({"a": server.url("/old.xml")}))
    poll(app, "a")
    assert source(app, "a").url == server.url("/old.xml")


def test_retry_after_pauses_the_feed_and_others_go_on(tmp_path: Path, server: FeedServer) -> None:
    server.set("/busy.xml", status=429, headers={"Retry-After": "3600"})
    server.set("/ok.xml", body=rss("Wire", [{"guid": "1", "title": "t", "description": CONFIRM}]))
    app = make_app(tmp_path, rules({"busy": server.url("/busy.xml"), "ok": server.url("/ok.xml")}))
    stats = run_pass(app)
    assert stats.source_errors == 1 and stats.new_articles == 1
    busy = source(app, "busy")
    assert busy.consecutive_failures == 1 and "429" in (busy.last_error or "")
    assert busy.next_check_at is not None and busy.last_attempt_at is not None
    assert (busy.next_check_at - busy.last_attempt_at).total_seconds() >= 3600
    skipped = poll_source(app, app.rules.sources[0])  # only_due: still paused
    assert skipped.skipped == 1 and server.hits["/busy.xml"] == 1


def test_server_errors_back_off_alert_once_and_recover_once(
    tmp_path: Path, server: FeedServer, receiver: Receiver
) -> None:
    server.set("/down.xml", status=500)
    app = make_app(tmp_path, rules({"down": server.url("/down.xml")}), receiver)
    delays = []
    for _ in range(5):
        poll(app, "down")
        row = source(app, "down")
        assert row.next_check_at and row.last_attempt_at
        delays.append(round((row.next_check_at - row.last_attempt_at).total_seconds()))
    assert delays == [60, 120, 240, 480, 960]
    down = [m for m in receiver.received if "is failing" in m["title"]]
    assert len(down) == 1 and "HTTP 500" in down[0]["message"]
    server.set("/down.xml", body=rss("Wire", []))
    poll(app, "down")
    poll(app, "down")
    recovered = [m for m in receiver.received if "works again" in m["title"]]
    assert len(recovered) == 1 and "5 failed attempts" in recovered[0]["message"]
    assert source(app, "down").consecutive_failures == 0


def test_a_slow_server_times_out_without_holding_up_the_others(tmp_path: Path, server: FeedServer) -> None:
    server.set("/slow.xml", body=rss("Wire", []), delay=3)
    server.set("/ok.xml", body=rss("Wire", [{"guid": "1", "title": "t", "description": CONFIRM}]))
    app = make_app(tmp_path, rules({"slow": server.url("/slow.xml"), "ok": server.url("/ok.xml")}))
    stats = run_pass(app)
    assert stats.source_errors == 1 and stats.new_articles == 1
    assert "timed out" in (source(app, "slow").last_error or "")


def test_a_stop_request_interrupts_a_poll_in_flight_and_is_not_a_failure(tmp_path: Path) -> None:
    trickle = ScriptedServer()  # one header line every half second, for minutes
    text = rules({"slow": trickle.url("/trickled-headers")}).replace("timeout: 1", "timeout: 60")
    app = make_app(tmp_path, text)
    try:
        stop = threading.Event()  # what SIGTERM sets for `run --once` (the daemon passes its own)
        threading.Timer(1.0, stop.set).start()
        started = time.monotonic()
        stats = run_pass(app, should_stop=stop.is_set)
        assert time.monotonic() - started < 3
        assert trickle.hung_up.wait(3)
        row = source(app, "slow")
        assert stats.source_errors == 0
        assert (row.consecutive_failures, row.last_error, row.lease_owner) == (0, None, None)
    finally:
        app.close()
        trickle.stop()


def test_an_oversized_body_is_refused(tmp_path: Path, server: FeedServer) -> None:
    items = [{"guid": str(i), "title": "t" * 100, "description": NEUTRAL * 10} for i in range(400)]
    server.set("/big.xml", body=rss("Wire", items))
    app = make_app(tmp_path, rules({"big": server.url("/big.xml")}))
    stats = poll(app, "big")
    assert stats.source_errors == 1 and "larger than" in (source(app, "big").last_error or "")


def test_a_malformed_feed_still_yields_its_entries(tmp_path: Path, server: FeedServer) -> None:
    body = rss("Wire", [{"guid": "1", "title": "Leeds", "description": CONFIRM}]).replace(
        b"</channel>", b"<oops>"
    )
    server.set("/bad.xml", body=body)
    server.set(
        "/junk.xml", body=b"<html><body>This is not a feed at all</body></html>", content_type="text/html"
    )
    app = make_app(tmp_path, rules({"bad": server.url("/bad.xml"), "junk": server.url("/junk.xml")}))
    stats = run_pass(app)
    assert stats.new_articles == 1 and stats.source_errors == 1
    assert "unreadable feed" in (source(app, "junk").last_error or "")


def test_an_edited_entry_updates_the_article_and_alerts_only_on_changed_evidence(
    tmp_path: Path, server: FeedServer, receiver: Receiver
) -> None:
    entry = {"guid": "e1", "title": "Acme and Leeds", "description": NEUTRAL, "link": "http://x.test/e1"}
    server.set("/a.xml", body=rss("Wire", [entry]))
    app = make_app(tmp_path, rules({"a": server.url("/a.xml")}), receiver)
    poll(app, "a")
    assert [m["title"] for m in receiver.received] == ["acme-leeds is now reported (was unverified)"]

    server.set("/a.xml", body=rss("Wire", [{**entry, "title": "Acme and Leeds (updated headline)"}]))
    edited = poll(app, "a")
    assert edited.updated == 1 and edited.alerts == 0 and len(receiver.received) == 1
    with app.sessions() as session:
        assert session.scalar(select(ArticleRow.title)) == "Acme and Leeds (updated headline)"

    server.set("/a.xml", body=rss("Wire", [{**entry, "description": f"{NEUTRAL} {CONFIRM}"}]))
    evidence_changed = poll(app, "a")
    assert evidence_changed.updated == 1 and evidence_changed.alerts >= 1
    assert any(m["title"].startswith("New independent confirmation") for m in receiver.received)
    assert count(app, ArticleRow) == 1
    with app.sessions() as session:
        assert CONFIRM in (session.scalar(select(ArticleRow.text)) or "")


def test_the_same_story_in_two_feeds_is_stored_once_and_linked_to_both(
    tmp_path: Path, server: FeedServer, receiver: Receiver
) -> None:
    story = {"title": "Acme shuts Leeds", "description": CONFIRM}
    server.set(
        "/a.xml", body=rss("A", [{**story, "guid": "a-1", "link": "https://www.x.test/story?utm_source=a"}])
    )
    server.set("/b.xml", body=rss("B", [{**story, "guid": "b-9", "link": "http://x.test/story#top"}]))
    app = make_app(tmp_path, rules({"a": server.url("/a.xml"), "b": server.url("/b.xml")}), receiver)
    stats = run_pass(app)
    assert stats.new_articles == 1 and stats.duplicates == 1
    assert count(app, ArticleRow) == 1
    with app.sessions() as session:
        linked = set(session.scalars(select(SourceItemRow.article_id)))
    assert len(linked) == 1 and count(app, SourceItemRow) == 2
    confirmations = [m for m in receiver.received if m["title"].startswith("New independent confirmation")]
    assert len(confirmations) == 1


def test_full_text_is_fetched_for_summary_only_entries(tmp_path: Path, server: FeedServer) -> None:
    paragraphs = "".join(
        f"<p>{CONFIRM} Paragraph {i} adds more context about the town.</p>" for i in range(5)
    )
    server.set(
        "/story.html",
        body=f"<html><body><article>{paragraphs}</article></body></html>".encode(),
        content_type="text/html",
    )
    server.set(
        "/a.xml",
        body=rss(
            "Wire",
            [
                {
                    "guid": "1",
                    "title": "Acme",
                    "description": "Short teaser.",
                    "link": server.url("/story.html"),
                }
            ],
        ),
    )
    app = make_app(tmp_path, rules({"a": server.url("/a.xml")}, extra="    full_text: true\n"))
    poll(app, "a")
    with app.sessions() as session:
        text = session.scalar(select(ArticleRow.text))
    assert text is not None and "Paragraph 4" in text
    assert count(app, AlertRow) >= 1


def test_every_failure_at_once_leaves_the_good_feed_untouched(tmp_path: Path, server: FeedServer) -> None:
    good = rss("Good", [{"guid": "g", "title": "Leeds", "description": CONFIRM}])
    server.set("/good.xml", body=good)
    server.set("/e500.xml", status=500)
    server.set("/e429.xml", status=429, headers={"Retry-After": "60"})
    server.set("/slow.xml", body=good, delay=3)
    server.set("/big.xml", body=b"<rss>" + b"x" * 300_000 + b"</rss>")
    server.set("/junk.xml", body=b"\x00\x01 binary junk", content_type="application/octet-stream")
    server.set("/loop.xml", status=301, headers={"Location": server.url("/loop.xml")})
    feeds = {
        name: server.url(f"/{name}.xml") for name in ("good", "e500", "e429", "slow", "big", "junk", "loop")
    }
    app = make_app(tmp_path, rules(feeds))
    stats = run_pass(app)
    assert stats.polled == 7 and stats.source_errors == 6 and stats.new_articles == 1
    errors = {name: source(app, name).last_error or "" for name in feeds if name != "good"}
    assert "HTTP 500" in errors["e500"] and "429" in errors["e429"] and "timed out" in errors["slow"]
    assert (
        "larger than" in errors["big"]
        and "unreadable feed" in errors["junk"]
        and "redirect" in errors["loop"]
    )
