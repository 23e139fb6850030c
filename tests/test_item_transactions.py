"""An item is stored whole or not at all: a failure mid-analysis leaves no article, evidence or alert
behind, and the next pass stores it once, with its alerts once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from monitor.app import build_app
from monitor.domain import ClaimSpec, Judgement
from monitor.pipeline import run_pass
from monitor.settings import Settings
from monitor.stance.base import ENGINES, EngineKind, EngineOptions
from monitor.stance.rules import RulesEngine
from monitor.store.models import AlertRow, ArticleRow, DeliveryRow, EvidenceRow


class FailsTwice(RulesEngine):
    """The rules engine, except that it raises the first two times it sees the word "Pentagon": once in
    the batch transaction, once when that batch's items are stored one by one."""

    remaining = 2

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        if "Pentagon" in sentence and FailsTwice.remaining > 0:
            FailsTwice.remaining -= 1
            raise RuntimeError("engine crashed")
        return super().judge(claim, sentence, context)


def count(app: Any, model: Any) -> int:
    with app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_failure_inside_an_item_rolls_it_back_and_the_next_pass_stores_it_once(workdir: Path) -> None:
    ENGINES["fails-twice"] = EngineKind(EngineOptions, lambda options: FailsTwice())
    rules = workdir / "config" / "monitor.yaml"
    rules.write_text(rules.read_text().replace("kind: semantic", "kind: fails-twice"))
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{workdir / 'm.db'}", notify_urls=[]))
    try:
        first = run_pass(app)
        assert first.failed == 1 and first.new_articles == 4
        with app.sessions() as session:
            keys = set(session.scalars(select(ArticleRow.source_key)))
        assert "001_28c5dd749a0a6b13.txt" not in keys
        alerts_after_first = count(app, AlertRow)

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
        del ENGINES["fails-twice"]
