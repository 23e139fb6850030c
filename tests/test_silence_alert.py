"""`ledger.silence`: a claim with no new evidence for the configured time raises one alert per quiet spell."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from monitor.app import build_app
from monitor.config.rules import ConfigError, load_rules
from monitor.config.settings import Settings
from monitor.pipeline import check_silence, run_pass
from monitor.store.db import unit_of_work
from monitor.store.models import AlertRow, EvidenceRow, utcnow

from .conftest import DEFAULT_CONFIG, SEEDS


def test_a_quiet_claim_alerts_once_per_quiet_spell(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEEDS / "000_e78a9573a7635a20.txt", tmp_path / "seeds")
    rules = tmp_path / "monitor.yaml"
    rules.write_text(
        DEFAULT_CONFIG.read_text()
        .replace("path: ../seeds", "path: seeds")
        .replace("  # silence: 14d", "  silence: 14d")
        .replace("kind: semantic", "kind: rules")
    )
    app = build_app(Settings(config=rules, database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    try:
        run_pass(app)
        assert check_silence(app) == 0  # evidence arrived just now
        with unit_of_work(app.sessions) as session:
            session.execute(update(EvidenceRow).values(created_at=utcnow() - timedelta(days=15)))
        assert check_silence(app) == 1
        assert check_silence(app) == 0  # once per quiet spell
        with app.sessions() as session:
            alert = session.query(AlertRow).filter_by(event="silence").one()
        assert alert.title == "No new evidence on nk-troops-ukraine for 14 days"
        assert "ledger.silence is 14 days" in alert.body
    finally:
        app.close()


def test_ledger_settings_are_validated_with_file_line_and_key(tmp_path: Path) -> None:
    rules = tmp_path / "monitor.yaml"
    rules.write_text(
        DEFAULT_CONFIG.read_text()
        .replace("path: ../seeds", f"path: {SEEDS}")
        .replace("confirmed: {sources: 2}", "confirmed: {source: 2}")
        .replace("  # silence: 14d", "  silence: soon")
    )
    try:
        load_rules(rules)
    except ConfigError as exc:
        text = str(exc)
    else:
        raise AssertionError("invalid ledger settings were accepted")
    assert "ledger.confirmed.source: unknown key; did you mean 'sources'?" in text
    assert "ledger.silence" in text and "monitor.yaml:" in text
