"""The package reads as its pipeline: no module imports a layer above its own. The layers are the
import-linter contract in pyproject.toml ([tool.importlinter]); docs/architecture.md draws them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filenames=('pyproject.toml',), no_cache=True, no_logo=True))\n"
)


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the `monitor` package found in `root` (first on the path, so a copy there
    is checked rather than the installed package)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "monitor", tmp_path / "monitor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_every_module_imports_only_the_layers_below_it() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("ingest/urls.py", "from monitor.analysis import sentences"),  # ingest knows nothing of analysis
        ("analysis/sentences.py", "from monitor.ledger import claim_ledger"),  # nor analysis of the ledger
        ("store/db.py", "from monitor.notify import rules"),  # the store knows no notify types
        ("notify/render.py", "from monitor.config import rules"),  # nor the rules file
        ("domain.py", "from monitor.ingest import urls"),  # the domain imports nothing of ours
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, upward: str) -> None:
    root = copy_of_the_package(tmp_path)
    path = root / "monitor" / module
    path.write_text(path.read_text() + f"\n{upward}  # deliberately upward\n")
    result = lint(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "0 kept, 1 broken" in result.stdout, result.stdout
    assert f"monitor.{module.removesuffix('.py').replace('/', '.')} ->" in result.stdout, result.stdout


def test_a_type_checking_import_counts_too(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    path = root / "monitor" / "ledger" / "alerts.py"
    text = path.read_text().replace(
        "from monitor.domain import",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from monitor.config.rules import Rules\n"
        "from monitor.domain import",
        1,
    )
    path.write_text(text)
    result = lint(root)
    assert result.returncode == 1 and "monitor.ledger.alerts -> monitor.config.rules" in result.stdout, (
        result.stdout
    )
