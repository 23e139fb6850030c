"""A plain (non-editable) install works from any directory: the wheel holds every package, the package
data (stance data, templates, static files) and the Alembic migrations."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed_for_the_wheel() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "monitor").rglob("__init__.py")
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert listed - found == {"monitor.store.migrations", "monitor.store.migrations.versions"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, installed (without its dependencies, which this environment
    has) into a folder of its own."""
    build = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(build), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = build.glob("claim_monitor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "monitor/analysis/stance/data/semantic.json",
        "monitor/analysis/stance/data/nli-minilm/model.safetensors",
        "monitor/analysis/stance/data/nli-minilm/MODEL_CARD.md",
        "monitor/analysis/stance/data/nli-minilm/manifest.json",
        "monitor/analysis/stance/data/nli-minilm/config.json",
        "monitor/analysis/stance/data/nli-minilm/tokenizer.json",
        "monitor/notify/templates/slack.md.j2",
        "monitor/web/static/style.css",
        "monitor/store/migrations/env.py",
        "monitor/store/migrations/script.py.mako",
        "monitor/store/migrations/versions/0001_initial_schema.py",
    ):
        assert shipped in names, shipped
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


def run_installed(site: Path, cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_installed_package_finds_its_data_and_migrates_from_another_directory(
    installed: Path, tmp_path: Path
) -> None:
    probe = (
        "import monitor, monitor.store.db as db, monitor.analysis.stance.semantic as semantic, "
        "monitor.web.pages as pages\n"
        "from monitor.notify.render import Renderer\n"
        "Renderer()\n"
        "assert semantic.DEFAULT_WEIGHTS.is_file() and (pages.HERE / 'static' / 'style.css').is_file()\n"
        "print(monitor.__file__)\n"
        "print(db.migrations_folder())\n"
    )
    probed = run_installed(installed, tmp_path, "-c", probe, env={})
    assert probed.returncode == 0, probed.stderr
    package, migrations = probed.stdout.split()
    assert Path(package).is_relative_to(installed) and Path(migrations).is_relative_to(installed)

    database = tmp_path / "elsewhere.db"
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{database}"}
    upgraded = run_installed(installed, tmp_path, "-m", "monitor", "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    heads = [p.stem.split("_")[0] for p in (ROOT / "alembic" / "versions").glob("0*.py")]
    with sqlite3.connect(database) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == max(heads), upgraded.stdout

    rules = ROOT / "config" / "monitor.yaml"
    checked = run_installed(installed, tmp_path, "-m", "monitor", "check", "-c", str(rules), env=env)
    assert checked.returncode == 0 and "OK" in checked.stdout, checked.stdout + checked.stderr


def test_the_installed_package_loads_its_inference_model_offline(installed: Path, tmp_path: Path) -> None:
    """The weights and their card ship in the wheel, and the engines load them with the hub offline."""
    probe = (
        "from pathlib import Path\n"
        "from monitor.analysis.stance import build_engine, inference\n"
        "from monitor.domain import ClaimSpec\n"
        "card = (inference.SHIPPED / 'MODEL_CARD.md').read_text()\n"
        "assert 'CC BY-SA' in card and 'all-MiniLM-L6-v2' in card\n"
        "engine = build_engine('nli', {})\n"
        "claim = ClaimSpec('c', 'The mayor resigned', ('mayor',))\n"
        "print(engine.model.folder)\n"
        "print(engine.judge(claim, 'The mayor denied that she had resigned.').stance.value)\n"
    )
    probed = run_installed(installed, tmp_path, "-c", probe, env={"HF_HUB_OFFLINE": "1"})
    assert probed.returncode == 0, probed.stderr
    folder, stance = probed.stdout.split()
    assert Path(folder).is_relative_to(installed)
    assert stance in {"confirm", "contradict", "discuss"}
