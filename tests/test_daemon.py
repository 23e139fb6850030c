"""`monitor run` as a daemon: a file dropped into a watched folder raises its alert at once (no rescan
wait), the rules reload on SIGHUP (an invalid file keeps the old rules), and SIGTERM/SIGINT stop it."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import SEEDS, Receiver

RULES = """\
sources:
  - name: inbox
    kind: folder
    path: ../inbox
    interval: 1h
claims:
  - id: nk-troops-ukraine
    claim: North Korean troops are fighting for Russia in Ukraine
    entities: [North Korea, North Korean, DPRK, Pyongyang, KPA]
    keywords: [troops, soldiers, military, forces, personnel, sent, arrived, fighting, hostilities]
alerts:
  routes:
    - name: terminal
      urls: ["console://"]
"""


class Daemon:
    def __init__(self, workdir: Path, notify: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env |= {"MONITOR_DATABASE_URL": f"sqlite:///{workdir / 'm.db'}", "MONITOR_NOTIFY_URLS": notify}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--summary-every", "0.5"],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout} s")


@pytest.fixture
def daemon(tmp_path: Path, receiver: Receiver) -> Iterator[Daemon]:
    (tmp_path / "config").mkdir()
    (tmp_path / "inbox").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(RULES)
    d = Daemon(tmp_path, receiver.url)
    d.wait_for("running;")
    yield d
    if d.proc.poll() is None:
        d.proc.kill()
        d.proc.wait()


def wait_until(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_dropped_file_raises_its_alert_without_waiting_for_a_rescan(
    tmp_path: Path, daemon: Daemon, receiver: Receiver
) -> None:
    daemon.wait_for("cycle")  # the first poll of the empty folder is done; the next rescan is an hour away
    shutil.copy(SEEDS / "000_e78a9573a7635a20.txt", tmp_path / "inbox" / "drop.txt")
    wait_until(lambda: any("contradiction" in m["title"] for m in receiver.received))
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=30) == 0
    daemon.wait_for("stopped")


def test_sighup_reloads_the_rules_and_an_invalid_file_keeps_the_old_ones(
    tmp_path: Path, daemon: Daemon
) -> None:
    rules = tmp_path / "config" / "monitor.yaml"
    rules.write_text(RULES.replace("    claim: North", "    claimm: North"))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for("rules NOT reloaded")
    rules.write_text(RULES.replace("interval: 1h", "interval: 2h"))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for("rules reloaded: 1 source(s), 1 claim(s)")
    daemon.proc.send_signal(signal.SIGINT)
    assert daemon.proc.wait(timeout=30) == 0


def test_editing_the_rules_file_reloads_them(tmp_path: Path, daemon: Daemon) -> None:
    rules = tmp_path / "config" / "monitor.yaml"
    second = "  - id: second\n    claim: Acme is closing its Leeds factory\n    entities: [Acme]\nalerts:"
    rules.write_text(RULES.replace("alerts:", second))
    daemon.wait_for("rules reloaded: 1 source(s), 2 claim(s)", timeout=30)
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=30) == 0
