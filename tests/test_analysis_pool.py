"""Articles analysed on worker processes (monitor.analysis.pool) are stored exactly as when analysed in
the polling process: the same articles, evidence, verdicts, stories and alerts, in the same order. A
worker process that dies is replaced; the article it was analysing is counted as failed and stored by
the next pass, once, with its alerts once."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monitor.analysis.pool import default_workers
from monitor.analysis.stance import ENGINES
from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.pipeline import run_pass
from monitor.store.models import AlertRow, ArticleClaimRow, ArticleRow, DeliveryRow, EvidenceRow

from .conftest import ROOT


def rules_for(workdir: Path, stance: str, workers: int) -> Path:
    rules = workdir / "config" / "monitor.yaml"
    text = rules.read_text().replace("kind: semantic", stance)
    rules.write_text(text.replace("  tick: 1s", f"  tick: 1s\n  analysis_workers: {workers}"))
    return rules


def copies(workdir: Path, n: int) -> None:
    """n copies of each seed, each with its own first body line (new articles, same stories)."""
    for seed in sorted((workdir / "seeds").glob("*.txt")):
        lines = seed.read_text().splitlines()
        for i in range(n):
            (workdir / "seeds" / f"copy{i}_{seed.name}").write_text(
                "\n".join([lines[0], f"Copy {i}.", *lines[1:]])
            )


def app_for(workdir: Path, rules: Path, name: str) -> App:
    url = f"sqlite:///{workdir / name}"
    return build_app(Settings(config=rules, database_url=url, notify_urls=[]))


def stored(app: App) -> dict[str, list[Any]]:
    with app.sessions() as s:
        key = {a: k for a, k in s.execute(select(ArticleRow.id, ArticleRow.source_key))}
        return {
            "articles": [
                tuple(r)
                for r in s.execute(
                    select(ArticleRow.source_key, ArticleRow.title, ArticleRow.story_id).order_by(
                        ArticleRow.id
                    )
                )
            ],
            "evidence": [
                (key[r.article_id], r.claim_id, r.sentence, r.stance, round(r.confidence, 6), r.speaker)
                for r in s.scalars(select(EvidenceRow).order_by(EvidenceRow.id))
            ],
            "verdicts": sorted(
                (key[r.article_id], r.claim_id, r.stance, round(r.confidence, 6))
                for r in s.scalars(select(ArticleClaimRow))
            ),
            "alerts": [
                (r.event, r.claim_id, key.get(r.article_id or 0), r.title, r.body)
                for r in s.scalars(select(AlertRow).order_by(AlertRow.id))
            ],
        }


def test_worker_processes_store_what_the_polling_process_stores(tmp_path: Path, workdir: Path) -> None:
    copies(workdir, 3)  # 20 articles: several chunks per batch
    results = {}
    for workers in (1, 2):
        rules = rules_for(workdir, "kind: rules", workers)
        app = app_for(workdir, rules, f"w{workers}.db")
        try:
            assert app.analysis_workers == workers
            stats = run_pass(app)
            assert stats.failed == 0 and stats.new_articles + stats.duplicates == 20
            results[workers] = stored(app)
        finally:
            app.close()
        (workdir / "config" / "monitor.yaml").write_text((ROOT / "config" / "monitor.yaml").read_text())
    assert results[1]["evidence"] and results[1]["alerts"]
    assert results[2] == results[1]


def test_a_dead_worker_fails_its_article_which_the_next_pass_stores_once(workdir: Path) -> None:
    flag = workdir / "crash"
    flag.touch()
    stance = f"kind: crash-test\n  crash_while: {flag}"
    importlib.import_module("tests.crash_engine")  # registers it here; the workers import it again
    app = app_for(workdir, rules_for(workdir, stance, 2), "crash.db")
    try:
        first = run_pass(app)
        assert first.failed == 1 and first.new_articles == 4
        with app.sessions() as s:
            keys = set(s.scalars(select(ArticleRow.source_key)))
            alerts_after_first = len(s.scalars(select(AlertRow.id)).all())
        assert "001_28c5dd749a0a6b13.txt" not in keys

        flag.unlink()  # the next poll's workers analyse it
        second = run_pass(app)
        assert second.failed == 0 and second.new_articles == 1 and second.unchanged == 4
        with app.sessions() as s:
            assert "001_28c5dd749a0a6b13.txt" in set(s.scalars(select(ArticleRow.source_key)))
            alerts = len(s.scalars(select(AlertRow.id)).all())
            deliveries = len(s.scalars(select(DeliveryRow.id)).all())
        assert alerts > alerts_after_first and deliveries == alerts
        third = run_pass(app)
        assert third.alerts == 0 and third.dispatch.sent == 0 and third.failed == 0
    finally:
        app.close()
        del ENGINES["crash-test"]


def test_processes_are_the_default_for_the_rules_engine_only() -> None:
    assert default_workers("rules", 2) == 2
    assert default_workers("semantic", 16) == default_workers("nli", 16) == default_workers("llm", 16) == 1


def test_run_once_with_nothing_new_never_imports_the_model(workdir: Path) -> None:
    """`monitor run --once` with the default (semantic) rules on a filled database: no torch, no
    sentence-transformers, no transformers, no trafilatura in the process (checked in the process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {
        "MONITOR_CONFIG": str(workdir / "config" / "monitor.yaml"),
        "MONITOR_DATABASE_URL": f"sqlite:///{workdir / 'm.db'}",
        "MONITOR_NOTIFY_URLS": "",
        "PYTHONPATH": str(ROOT),
    }
    first = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "--once"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert first.returncode == 0, first.stderr
    heavy = ("torch", "sentence_transformers", "transformers", "trafilatura")
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['monitor', 'run', '--once']\n"
        "try:\n"
        "    runpy.run_module('monitor', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print('HEAVY', sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    again = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=workdir, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    assert "0 new article(s)" in again.stdout
    assert "HEAVY []" in again.stdout, again.stdout[-2000:]
