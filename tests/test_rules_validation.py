"""A broken rules file is an error naming the file, the line and the key; `monitor check` exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.app import build_app
from monitor.config.rules import EMPTY_HINT, ConfigError, load_rules
from monitor.config.safe_yaml import MAX_BYTES
from monitor.config.settings import Settings

from .conftest import DEFAULT_CONFIG

GOOD = """\
sources:
  - name: inbox
    kind: folder
    path: inbox
topics:
  - name: t
    all: [[North Korea, DPRK]]
claims:
  - id: c1
    claim: North Korean troops are fighting for Russia in Ukraine
    entities: [North Korea, DPRK]
    topics: [t]
alerts:
  routes:
    - name: r
      urls: ["console://"]
      claims: [c1]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_the_default_config_is_valid() -> None:
    rules = load_rules(DEFAULT_CONFIG)
    assert [c.id for c in rules.claims] == ["nk-troops-ukraine"]
    assert rules.sources[0].kind == "folder"


def test_a_good_file_loads_and_resolves_paths_relative_to_it(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    assert rules.sources[0].path  # type: ignore[attr-defined] == (tmp_path / "inbox").resolve()


def test_misspelt_key_names_key_line_and_suggestion(tmp_path: Path) -> None:
    found = problems(
        tmp_path, GOOD.replace("    entities: [North Korea, DPRK]", "    entites: [North Korea, DPRK]")
    )
    assert any(
        "rules.yaml:11: claims[0].entites: unknown key; did you mean 'entities'?" in p for p in found
    ), found


def test_unknown_key_inside_a_source_kind_is_caught_by_that_kind(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("    path: inbox", "    path: inbox\n    patern: '*.txt'"))
    assert any(":5: sources[0].patern: unknown key; did you mean 'patterns'?" in p for p in found), found


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("  - id: c1\n", "  - id: c1\n    keywords: 12\n"))
    assert any(":10: claims[0].keywords:" in p and "list" in p for p in found), found


def test_bad_references_are_errors(tmp_path: Path) -> None:
    text = GOOD.replace("    topics: [t]", "    topics: [tt]").replace("claims: [c1]", "claims: [c2]")
    found = problems(tmp_path, text)
    assert any(":12: claims[0].topics[0]: no topic named 'tt'; did you mean 't'?" in p for p in found), found
    assert any("alerts.routes[0].claims[0]: no claim with id 'c2'" in p for p in found), found


def test_unknown_source_kind_and_stance_engine(tmp_path: Path) -> None:
    text = GOOD.replace("kind: folder", "kind: gopher") + "stance:\n  kind: magic\n"
    found = problems(tmp_path, text)
    assert any(":3: sources[0].kind: unknown source kind 'gopher'" in p for p in found), found
    assert any("stance.kind: unknown stance engine 'magic'" in p for p in found), found


def test_missing_environment_variable_in_a_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_TEST_HOOK", raising=False)
    found = problems(tmp_path, GOOD.replace('"console://"', '"json://${MONITOR_TEST_HOOK}/x"'))
    assert any(
        "alerts.routes[0].urls[0]: environment variable 'MONITOR_TEST_HOOK' is not set" in p for p in found
    )
    monkeypatch.setenv("MONITOR_TEST_HOOK", "127.0.0.1:9")
    assert load_rules(
        write(tmp_path, GOOD.replace('"console://"', '"json://${MONITOR_TEST_HOOK}/x"'))
    ).routes[0].urls == ["json://127.0.0.1:9/x"]


def test_environment_variables_in_a_feed_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = (
        "    path: inbox\n  - name: wire\n    kind: feed\n    url: https://x.example/${NOPE_FEED_TOKEN}/rss\n"
    )
    monkeypatch.delenv("NOPE_FEED_TOKEN", raising=False)
    found = problems(tmp_path, GOOD.replace("    path: inbox\n", feed))
    assert any(":7: sources[1].url: environment variable 'NOPE_FEED_TOKEN' is not set" in p for p in found), (
        found
    )
    monkeypatch.setenv("NOPE_FEED_TOKEN", "tok123")
    source = load_rules(write(tmp_path, GOOD.replace("    path: inbox\n", feed))).sources[1]
    assert getattr(source, "url", None) == "https://x.example/tok123/rss"


def test_a_rules_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    text = GOOD + padding * (MAX_BYTES // len(padding) + 1)
    assert [p.replace(str(tmp_path), "") for p in problems(tmp_path, text)] == [
        f"/rules.yaml: the file is too large ({len(text):,} bytes): at most 4,194,304 bytes (4 MiB)"
    ]


def test_a_url_apprise_cannot_read_is_an_error_in_check_and_at_start(tmp_path: Path) -> None:
    text = GOOD.replace('"console://"', '"jsonx://127.0.0.1:9/hook/tok_abcdef123", "slack://T1JJ3T3L2"')
    found = problems(tmp_path, text)
    assert [p.split(": ", 2)[1:] for p in found] == [
        [
            "alerts.routes[0].urls[0]",
            "unknown Apprise scheme 'jsonx://' (see https://github.com/caronc/apprise/wiki)",
        ],
        [
            "alerts.routes[0].urls[1]",
            "Apprise cannot read this slack:// URL (a token or host missing or malformed)",
        ],
    ]
    assert all(":16: " in p and "tok_abcdef123" not in p for p in found)
    path = write(tmp_path, GOOD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env |= {
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MONITOR_NOTIFY_URLS": "jsonx://127.0.0.1/x",
    }
    for command in ("check", "run --once"):
        result = _monitor(command, path, env)
        assert result.returncode == 2, (command, result.stdout + result.stderr)
        assert "MONITOR_NOTIFY_URLS, URL 1: unknown Apprise scheme 'jsonx://'" in result.stderr, command


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("  - id: c1", "  - id: [c1"))
    assert any("rules.yaml:" in p and "invalid YAML" in p for p in found), found


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    text = GOOD.replace("alerts:", "  - id: c1\n    claim: Another claim here\n    entities: [X]\nalerts:")
    found = problems(tmp_path, text)
    assert any("claims[1].id: duplicate id 'c1'" in p for p in found), found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD + "claims:\n  - id: c2\n    claim: Another claim\n    entities: [X]\n",
            ":18: claims: duplicate key: first at line 8, again at line 18",
        ),
        (
            GOOD.replace("    topics: [t]", "    topics: [t]\n    id: c9"),
            ":13: claims[0].id: duplicate key: first at line 9, again at line 13",
        ),
    ],
)
def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].endswith(expected), found


def test_keys_a_merge_brings_in_may_be_overridden(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    topics: [t]",
        "    topics: [t]\n  - <<: &c {claim: A second claim, entities: [X]}\n"
        "    id: c2\n    claim: Its own sentence",
    )
    assert [c.claim for c in load_rules(write(tmp_path, text)).claims][1] == "Its own sentence"


@pytest.mark.parametrize("text", ["", "# nothing yet\n\n# still nothing\n", "---\n", "{}\n"])
def test_an_empty_rules_file_is_an_error_unless_allowed(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    found = problems(tmp_path, text)
    assert found == [f"{path}:1: the rules file is empty (no sources, no claims); {EMPTY_HINT} accepts that"]
    assert load_rules(path, allow_empty=True).sources == ()
    database = f"sqlite:///{tmp_path / 'm.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | {
        "MONITOR_DATABASE_URL": database
    }
    for command, code in (("check", 2), ("run", 2), ("check --allow-empty", 0)):
        result = _monitor(command, path, env)
        assert result.returncode == code, (command, result.stdout + result.stderr)
        assert (code == 2) == ("the rules file is empty" in result.stderr), command


def test_a_reload_to_an_empty_file_keeps_the_old_rules(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "stance:\n  kind: rules\n")
    (tmp_path / "inbox").mkdir()
    app = build_app(Settings(config=path, database_url=f"sqlite:///{tmp_path / 'm.db'}", notify_urls=[]))
    try:
        path.write_text("# emptied by mistake\n")
        with pytest.raises(ConfigError, match="the rules file is empty"):
            app.reload()
        assert [c.id for c in app.rules.claims] == ["c1"] and len(app.rules.sources) == 1
    finally:
        app.close()


def test_monitor_check_exits_non_zero_and_names_the_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    claim: North", "    claimm: North"))
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert f"{path}:10: claims[0].claimm: unknown key; did you mean 'claim'?" in result.stderr.replace(
        "\n  ", " "
    )


def test_monitor_check_accepts_the_default_config() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(DEFAULT_CONFIG)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "1 claim(s)" in result.stdout


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("    path: inbox", "    path: inbox\n    patern: '*.txt'").replace(
        "    claim: North", "    claimm: North"
    )
    found = problems(tmp_path, text)
    assert any("sources[0].patern" in p for p in found) and any("claims[0].claimm" in p for p in found), found


def _monitor(command: str, rules: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m monitor COMMAND --config RULES` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", *command.split(), "--config", str(rules)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
