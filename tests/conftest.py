from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from .loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]

# Tests talk to servers on 127.0.0.1 only: never through a proxy the environment may name.
os.environ["NO_PROXY"] = ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")]))
SEEDS = ROOT / "seeds"
DEFAULT_CONFIG = ROOT / "config" / "monitor.yaml"


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what Apprise's json:// target posts to it (with the
    X-Idempotency-Key header as `key`); it can fail (HTTP 500) or stall (1.5 s) the next requests."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.stall_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.stall_next > 0:
                    receiver.stall_next -= 1
                    time.sleep(1.5)
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append({**json.loads(body), "key": self.headers.get("X-Idempotency-Key")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.port}/alerts"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project-like folder: config/monitor.yaml (the default rules) and seeds/ (copies of the seeds)."""
    (tmp_path / "config").mkdir()
    shutil.copy(DEFAULT_CONFIG, tmp_path / "config" / "monitor.yaml")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path
