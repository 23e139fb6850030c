"""The container and service files stay correct without Docker or systemd: the image's entrypoint runs
here for real (with `MONITOR_BIN` standing in for the installed `monitor`), and the Dockerfile, compose
file and systemd unit are checked for what the README promises of them."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml
from typer.main import get_command

from monitor.cli import app

from .conftest import DEFAULT_CONFIG, ROOT

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def run_entrypoint(*args: str, bin_path: Path, database: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONITOR_BIN": str(bin_path), "MONITOR_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [str(ENTRYPOINT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def monitor_wrapper(tmp_path: Path) -> Path:
    """`monitor` as the image has it: this interpreter's `python -m monitor`."""
    return script(tmp_path / "monitor", f'exec "{sys.executable}" -m monitor "$@"')


def test_entrypoint_upgrades_the_database_then_runs_the_command(tmp_path: Path) -> None:
    database = tmp_path / "data" / "monitor.db"
    monitor = monitor_wrapper(tmp_path)

    first = run_entrypoint("version", bin_path=monitor, database=database, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    upgrade, version = first.stdout.strip().splitlines()
    assert re.fullmatch(r"database sqlite:///\S+: empty -> \w+", upgrade)
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version)
    with sqlite3.connect(database) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert upgrade.endswith(f"-> {revision}")

    again = run_entrypoint(
        "check", "-c", str(DEFAULT_CONFIG), bin_path=monitor, database=database, cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert f": {revision} -> {revision}" in again.stdout
    assert "OK " in again.stdout and "1 claim(s)" in again.stdout


def test_entrypoint_runs_another_executable_as_it_is(tmp_path: Path) -> None:
    database = tmp_path / "monitor.db"
    never = script(tmp_path / "never", "echo monitor was called >&2; exit 99")

    result = run_entrypoint("sh", "-c", "echo hi", bin_path=never, database=database, cwd=tmp_path)

    assert (result.returncode, result.stdout, result.stderr) == (0, "hi\n", "")
    assert not database.exists()


def test_entrypoint_stops_when_the_upgrade_fails_and_drops_a_leading_monitor(tmp_path: Path) -> None:
    log = tmp_path / "calls"
    failing = script(tmp_path / "fake", f'echo "$*" >> "{log}"; [ "$1" != db ] || exit 3')
    database = tmp_path / "monitor.db"

    assert run_entrypoint("claims", bin_path=failing, database=database, cwd=tmp_path).returncode == 3
    assert log.read_text() == "db upgrade\n"

    log.unlink()
    passing = script(tmp_path / "fake", f'echo "$*" >> "{log}"')
    result = run_entrypoint("monitor", "claims", "--json", bin_path=passing, database=database, cwd=tmp_path)
    assert result.returncode == 0
    assert log.read_text() == "db upgrade\nclaims --json\n"


def test_entrypoint_knows_every_monitor_subcommand() -> None:
    listed = re.search(r'^subcommands="(.*)"$', ENTRYPOINT.read_text(), re.MULTILINE)
    assert listed, "docker/entrypoint.sh lists monitor's subcommands"
    assert set(listed.group(1).split()) == set(get_command(app).commands)  # type: ignore[attr-defined]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continued lines joined."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in joined.splitlines() if line.strip())
    ]


def test_dockerfile_builds_a_small_non_root_image_with_a_healthcheck() -> None:
    instructions = dockerfile_instructions()
    froms = [args for op, args in instructions if op == "FROM"]
    assert len(froms) >= 2 and all(args.startswith("python:3.11-slim") for args in froms)
    runtime = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any(op == "COPY" and "--from=builder /opt/venv" in args for op, args in runtime)
    runs = " ".join(args for op, args in instructions if op == "RUN")
    torch_first = runs.index("torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
    assert torch_first < runs.index("pip install '.[postgres]'")
    assert "pip install -e" not in runs  # a plain install: the wheel carries the data and migrations
    healthcheck = next(args for op, args in runtime if op == "HEALTHCHECK")
    assert "/healthz" in healthcheck and "python" in healthcheck
    env = " ".join(args for op, args in runtime if op == "ENV")
    assert "MONITOR_DATABASE_URL=sqlite:////data/monitor.db" in env and "HF_HUB_OFFLINE=1" in env
    assert ("VOLUME", '["/data"]') in runtime and ("EXPOSE", "8080") in runtime
    assert ("CMD", '["run", "--serve", "--host", "0.0.0.0"]') in runtime


def test_compose_runs_postgres_and_the_monitor() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, monitor = compose["services"]["db"], compose["services"]["monitor"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert monitor["build"] == "."
    assert monitor["depends_on"] == {"db": {"condition": "service_healthy"}}
    url = monitor["environment"]["MONITOR_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://monitor:${POSTGRES_PASSWORD") and url.endswith(
        "@db:5432/monitor"
    )
    assert monitor["environment"]["MONITOR_API_TOKEN"].startswith("${MONITOR_API_TOKEN")
    assert monitor["ports"] == ["127.0.0.1:8080:8080"]
    assert "./config:/app/config:ro" in monitor["volumes"]
    assert any(volume.endswith(":/data") for volume in monitor["volumes"])
    assert {db["restart"], monitor["restart"]} == {"unless-stopped"}
    named = {volume.split(":")[0] for service in (db, monitor) for volume in service["volumes"]}
    assert named - {"./config"} == set(compose["volumes"])
    worker = compose["services"]["worker"]  # extra workers: only with --profile workers, no port, no token
    assert worker["profiles"] == ["workers"] and worker["command"] == ["run"] and "ports" not in worker
    assert worker["environment"]["MONITOR_DATABASE_URL"] == url
    assert worker["volumes"] == ["./config:/app/config:ro"]


def test_systemd_unit_reloads_rules_on_hup_and_is_hardened() -> None:
    unit = (ROOT / "deploy" / "monitor.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert settings["ExecStart"] == "/opt/claim-monitor/venv/bin/monitor run --serve"
    assert settings["User"] == "monitor" and settings["Type"] == "simple"
    assert settings["EnvironmentFile"] == "-/etc/claim-monitor/env"
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == "/var/lib/claim-monitor"
    assert settings["NoNewPrivileges"] == settings["PrivateTmp"] == "yes"
