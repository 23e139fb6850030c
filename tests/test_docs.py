"""The README stays honest: its set-up commands are what CI runs, and every command, setting and source
kind is documented."""

from __future__ import annotations

import importlib
import importlib.util
import re

from typer.main import get_command

from monitor.analysis.stance import ENGINES
from monitor.cli import app
from monitor.config.settings import Settings
from monitor.ingest.sources import SOURCE_KINDS

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHIPPED_AS = {"monitor/store/migrations/": ROOT / "alembic"}  # pyproject.toml's package-dir


def setup_commands() -> list[str]:
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.DOTALL)
    assert block, "the README starts with a code block of set-up commands"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_the_first_two_commands_run_the_demo_then_the_tests() -> None:
    run, test = setup_commands()[:2]
    assert "monitor run --once" in run
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command() -> None:
    test = setup_commands()[1]
    assert test in (ROOT / ".ci" / "run").read_text()


def test_every_cli_command_is_documented() -> None:
    group = get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    for name in names:
        assert f"monitor {name}" in README, name


def test_every_setting_is_documented() -> None:
    for field in Settings.model_fields:
        assert f"MONITOR_{field.upper()}" in README, field


def test_every_source_kind_and_stance_engine_is_documented() -> None:
    for kind in SOURCE_KINDS:
        assert f"kind: {kind}" in README, kind
    for kind in ENGINES:
        assert f"`{kind}`" in README, kind


def test_every_module_the_docs_name_exists() -> None:
    """Paths such as `monitor/ledger/stories.py` and modules such as `monitor.analysis.stance.train`
    in the README and docs/ name what is there (a moved module leaves no stale pointer behind)."""
    missing = []
    for doc in DOCS:
        text = doc.read_text()
        for path in re.findall(r"(?<![\w/.-])monitor/[\w/.-]*\w/?", text):
            if not (ROOT / path).exists() and not SHIPPED_AS.get(path, ROOT / path).is_dir():
                missing.append(f"{doc.name}: {path}")
        for dotted in re.findall(r"(?:`|-m )(monitor(?:\.\w+)+)", text):
            module, _, attribute = dotted.rpartition(".")
            if not _is_module(dotted) and not (
                _is_module(module) and hasattr(importlib.import_module(module), attribute)
            ):
                missing.append(f"{doc.name}: {dotted}")
    assert not missing, missing


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def test_every_test_the_docs_name_exists() -> None:
    named = [m for path in DOCS for m in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", path.read_text())]
    assert named
    for file, test in named:
        assert f"def {test}(" in (ROOT / file).read_text(), f"{file}::{test}"
