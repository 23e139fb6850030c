"""Credentials in the rules (a feed URL's user, password and key, an alert target's token) stay where
they are needed: not in stored articles, not in API responses, not in logs or command output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
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


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


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
