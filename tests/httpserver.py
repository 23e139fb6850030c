"""A real HTTP/1.1 server on 127.0.0.1 for fetch tests: each path in ROUTES is a small scripted behaviour.

`FeedServer()` starts serving at once; `url(path)` gives the address of a route, `requests` records the
path and headers of every request in arrival order, `hung_up` is set when a client leaves a trickled
response, `stop()` shuts it down.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from .loopback import LoopbackServer

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"feed-v1"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
BOMB_DECODED_SIZE = 32 * 1024 * 1024
BOMB = gzip.compress(b"\0" * BOMB_DECODED_SIZE, compresslevel=9)


class FeedServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.hung_up = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append((self.path, dict(self.headers.items())))
                route = ROUTES.get(self.path.partition("?")[0])
                if route is None:
                    self.reply(404, b"not found")
                else:
                    route(self, server)

            def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def stop(self) -> None:
        self.server.stop()


Route = Callable[[Any, FeedServer], None]


def feed(h: Any, server: FeedServer) -> None:
    if h.headers.get("If-None-Match") == ETAG:
        h.reply(304, ETag=ETAG)
    elif h.headers.get("If-Modified-Since") == LAST_MODIFIED and "If-None-Match" not in h.headers:
        h.reply(304)  # no validators in the answer: the client keeps its own
    else:
        h.reply(
            200,
            FEED,
            Content_Type="application/rss+xml; charset=utf-8",
            ETag=ETAG,
            Last_Modified=LAST_MODIFIED,
        )


def gzipped(h: Any, server: FeedServer) -> None:
    h.reply(200, gzip.compress(FEED), Content_Encoding="gzip", Content_Type="application/rss+xml")


def deflated(h: Any, server: FeedServer) -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    h.reply(200, raw.compress(FEED) + raw.flush(), Content_Encoding="deflate")


def redirect(status: int, location: str) -> Route:
    return lambda h, server: h.reply(status, Location=location)


def retry_after_date(h: Any, server: FeedServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    h.reply(503, b"busy", Retry_After=format_datetime(when, usegmt=True))


def slow_headers(h: Any, server: FeedServer) -> None:
    time.sleep(3)
    h.reply(200, FEED)


def trickled_headers(h: Any, server: FeedServer) -> None:
    """A status line at once, then one header line every half second, for minutes: each line comes well
    within any read timeout, so only a deadline over the whole exchange ends it."""
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        h.wfile.flush()
        for n in range(600):
            time.sleep(0.5)
            h.wfile.write(f"X-Line-{n}: {n}\r\n".encode())
            h.wfile.flush()
    except OSError:  # the client hung up
        server.hung_up.set()
    h.close_connection = True


def drip(h: Any, server: FeedServer) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.05)


def large_declared(h: Any, server: FeedServer) -> None:
    h.reply(200, b"x" * 5000)


def large_chunked(h: Any, server: FeedServer) -> None:
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for _ in range(20):
        h.wfile.write(b"3e8\r\n" + b"x" * 1000 + b"\r\n")
    h.wfile.write(b"0\r\n\r\n")


def bomb(h: Any, server: FeedServer) -> None:
    h.reply(200, BOMB, Content_Encoding="gzip")


def concurrent(h: Any, server: FeedServer) -> None:
    with server.lock:
        server.in_flight += 1
        server.max_in_flight = max(server.max_in_flight, server.in_flight)
    time.sleep(0.25)
    with server.lock:
        server.in_flight -= 1
    h.reply(200, b"ok")


ROUTES: dict[str, Route] = {
    "/feed": feed,
    "/gzip": gzipped,
    "/deflate": deflated,
    "/perm/1": redirect(301, "/perm/2"),
    "/perm/2": redirect(308, "final"),  # relative to /perm/2
    "/perm/final": feed,
    "/mixed": redirect(301, "/temp"),
    "/temp": redirect(302, "/feed"),
    "/loop": redirect(302, "/loop"),
    "/no-location": lambda h, server: h.reply(301),
    "/to-ftp": redirect(301, "ftp://127.0.0.1/feed"),
    "/429": lambda h, server: h.reply(429, b"slow down", Retry_After="7"),
    "/429-huge": lambda h, server: h.reply(429, Retry_After="99999999"),
    "/429-garbled": lambda h, server: h.reply(429, Retry_After="soon"),
    "/503-date": retry_after_date,
    "/500": lambda h, server: h.reply(500, b"oops"),
    "/404": lambda h, server: h.reply(404),
    "/slow": slow_headers,
    "/drip": drip,
    "/trickled-headers": trickled_headers,
    "/large": large_declared,
    "/large-chunked": large_chunked,
    "/bomb": bomb,
    "/concurrent": concurrent,
}
