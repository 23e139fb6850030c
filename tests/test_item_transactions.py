"""An item is stored whole or not at all: a failure in its analysis (before any write) or in the middle
of its write transaction leaves no article, evidence or alert behind, and the next pass stores it
once, with its alerts once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from monitor.analysis.stance.base import ENGINES, EngineKind, EngineOptions
from monitor.analysis.stance.rules import RulesEngine
from monitor.app import build_app
from monitor.config.settings import Settings
from monitor.domain import ClaimSpec, Judgement
from monitor.pipeline import run_pass
from monitor.store import repository as repo
from monitor.store.models import AlertRow, ArticleRow, DeliveryRow, EvidenceRow


class FailsOnce(RulesEngine):
    """The rules engine, except that it raises on the word "Pentagon" until `failing` is cleared (on
    the first pass: the pipeline analyses a batch at once, then each of its items alone after a crash,
    so the crash must last the pass to be the one item's)."""

    failing = True

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        if "Pentagon" in sentence and FailsOnce.failing:
            raise RuntimeError("engine crashed")
        return super().judge(claim, sentence, context)


def count(app: Any, model: Any) -> int:
    with app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_failure_inside_an_item_rolls_it_back_and_the_next_pass_stores_it_once(workdir: Path) -> None:
    ENGINES["fails-once"] = EngineKind(EngineOptions, lambda options: FailsOnce())
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text().replace("kind: semantic", "kind: fails-once"))
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{workdir / 'm.db'}", notify_urls=[]))
    try:
        first = run_pass(app)
        assert first.failed == 1 and first.new_articles == 4
        with app.sessions() as session:
            keys = set(session.scalars(select(ArticleRow.source_key)))
        assert "001_28c5dd749a0a6b13.txt" not in keys
        alerts_after_first = count(app, AlertRow)

        FailsOnce.failing = False
        second = run_pass(app)
        assert second.failed == 0 and second.new_articles == 1 and second.unchanged == 4
        assert count(app, ArticleRow) == 5
        with app.sessions() as session:
            dupes = session.execute(
                select(EvidenceRow.article_id, EvidenceRow.start, func.count())
                .group_by(EvidenceRow.claim_id, EvidenceRow.article_id, EvidenceRow.start)
                .having(func.count() > 1)
            ).all()
        assert dupes == []
        assert count(app, AlertRow) > alerts_after_first
        assert count(app, DeliveryRow) == count(app, AlertRow)  # one route: the terminal
        third = run_pass(app)
        assert third.alerts == 0 and third.dispatch.sent == 0
    finally:
        del ENGINES["fails-once"]
        app.close()


def test_a_write_that_fails_midway_is_rolled_back_and_stored_once_on_the_next_pass(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storage fails after the article row was written (its verdict cannot be stored), in the batch and
    again when the item is stored alone and retried: the article is rolled back with it."""
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text().replace("kind: semantic", "kind: rules"))
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{workdir / 'm.db'}", notify_urls=[]))
    set_verdict = repo.set_verdict
    failures = {"left": 3}  # the batch, the item alone, the item's one retry

    def flaky(session: Any, *, article_id: int, **kwargs: Any) -> None:
        if "Pentagon chief" in session.get(ArticleRow, article_id).text and failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("UPDATE article_claims", {}, Exception("disk I/O error"))
        set_verdict(session, article_id=article_id, **kwargs)

    monkeypatch.setattr(repo, "set_verdict", flaky)
    try:
        first = run_pass(app)
        assert failures["left"] == 0
        assert first.failed == 1 and first.new_articles == 4
        with app.sessions() as session:
            texts = list(session.scalars(select(ArticleRow.text)))
        assert len(texts) == 4 and not any("Pentagon chief" in t for t in texts)
        second = run_pass(app)
        assert second.failed == 0 and second.new_articles == 1 and second.unchanged == 4
        assert count(app, ArticleRow) == 5
        assert count(app, DeliveryRow) == count(app, AlertRow)
        assert run_pass(app).alerts == 0
    finally:
        app.close()
