"""The one way tests run a real HTTP server: threaded, on 127.0.0.1 at a free port, serving from a daemon
thread as soon as it is made, quiet about clients that hang up on purpose (time-out tests)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that times out on purpose leaves a broken pipe behind

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
