"""Credentials in the rules (a feed URL's user, password and key, an alert target's token) stay where
they are needed: not in stored articles, not in API responses, not in logs or command output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.pipeline import poll_source
from monitor.store.models import ArticleRow
from monitor.web.app import create_app

from .feedserver import FeedServer, rss

FEED_USER = "feeduser"
FEED_PASSWORD = "FeedPassw0rd"
FEED_TOKEN = "tok9f8e7d6c5b4a"
FEED_SID = "sid1a2b3c4d5e"
HOOK_TOKEN = "hk_9f8e7d6c5b4a3921"
CONFIRM = "Acme confirmed that it has closed the Leeds factory, cutting 300 jobs."


def feed_app(tmp_path: Path, feed_url: str) -> App:
    path = tmp_path / "rules.yaml"
    path.write_text(
        f"""\
sources:
  - name: private
    kind: feed
    url: "{feed_url}"
    secret_params: [SID]
claims:
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, closing]
stance:
  kind: rules
"""
    )
    return build_app(Settings(config=path, database_url=f"sqlite:///{tmp_path / 'm.db'}", notify_urls=[]))


def test_article_links_never_carry_the_feeds_credentials(tmp_path: Path, server: FeedServer) -> None:
    base = server.url("/private/rss").replace("://", f"://{FEED_USER}:{FEED_PASSWORD}@", 1)
    feed_url = f"{base}?token={FEED_TOKEN}&SID={FEED_SID}&edition=uk"
    items = [
        {"guid": "1", "title": "Acme is closing the factory", "link": "story-1.html", "description": "x"},
        {"guid": "2", "title": "Acme factory closing, more", "link": "?page=2&token=t", "description": "y"},
        {"guid": "3", "title": "Acme factory closing, again", "link": feed_url, "description": "z"},
    ]
    server.set("/private/rss", body=rss("Private", items))
    app = feed_app(tmp_path, feed_url)
    try:
        options = app.rules.source("private")
        assert options is not None
        stats = poll_source(app, options, only_due=False)
        assert stats.new_articles == 3, stats
        with app.sessions() as session:
            urls = sorted(u for u in session.scalars(select(ArticleRow.url)) if u)
        port = server.server.port
        assert urls == [
            f"http://127.0.0.1:{port}/private/rss?edition=uk",
            f"http://127.0.0.1:{port}/private/rss?page=2",
            f"http://127.0.0.1:{port}/private/story-1.html",
        ]
        client = TestClient(create_app(app, bind_host="127.0.0.1", token=None))
        shown = client.get("/api/articles").text
        assert "/private/story-1.html" in shown
        # The secret filter covers feed credentials too: plant the feed URL where a link would be.
        with app.sessions.begin() as session:
            session.execute(update(ArticleRow).values(url=f"{feed_url}#planted"))
        shown = client.get("/api/articles").text
        assert "***#planted" in shown
        for secret in (FEED_PASSWORD, FEED_TOKEN, FEED_SID):
            assert secret not in shown
    finally:
        app.close()


def test_logs_and_messages_name_targets_and_feeds_without_their_secrets(
    tmp_path: Path, server: FeedServer
) -> None:
    """`monitor -v run --once` with a credentialed feed and a webhook whose path is its token, on a port
    where nothing listens (the delivery fails and is logged), then `monitor notify-test` of it."""
    base = server.url("/private/rss").replace("://", f"://{FEED_USER}:{FEED_PASSWORD}@", 1)
    server.set("/private/rss", body=rss("Private", [{"guid": "1", "title": "Acme", "description": CONFIRM}]))
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"""\
sources:
  - name: private
    kind: feed
    url: "{base}?token={FEED_TOKEN}"
claims:
  - id: acme-leeds
    claim: Acme is closing its Leeds factory
    entities: [Acme]
    keywords: [factory, closing, closed]
stance:
  kind: rules
ledger:
  confirmed: {{sources: 1}}
alerts:
  channels:
    - name: hook
      urls: ["json://127.0.0.1:9/hook/${{LEAKTEST_HOOK_TOKEN}}"]
  routes:
    - name: everything
      channels: [hook]
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "LEAKTEST_HOOK_TOKEN": HOOK_TOKEN}
    outputs = []
    for args, code in ((["-v", "run", "--once"], 0), (["-v", "notify-test", "hook"], 1)):
        result = subprocess.run(
            [sys.executable, "-m", "monitor", *args, "--config", str(rules)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == code, result.stdout + result.stderr
        outputs.append(result.stdout + result.stderr)
    run, notify_test = outputs
    assert "HTTP Request: GET ***" in run  # httpx logged the feed URL, hidden...
    assert "message of 1 alert(s) to hook:" in run and "(JSON) failed" in run  # ...and the failure
    assert "hook:" in notify_test and "(JSON), text template: FAILED" in notify_test
    for output in outputs:
        for secret in (FEED_PASSWORD, FEED_TOKEN, HOOK_TOKEN):
            assert secret not in output, (secret, output)
