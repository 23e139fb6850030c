"""`monitor run` loops until SIGTERM or SIGINT, then stops cleanly after the current pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_loops_and_stops_cleanly_on_a_signal(workdir: Path, signum: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_DATABASE_URL"] = f"sqlite:///{workdir / 'm.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--interval", "0.2"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    passes = 0
    deadline = time.monotonic() + 120
    while passes < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        passes += line.startswith("pass done")
    assert passes == 2, "the loop ran a second pass"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "stopping after this pass" in err
