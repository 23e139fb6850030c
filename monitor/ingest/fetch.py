"""The HTTP edge: one GET of a feed or an article page, with the limits a long-running reader needs.

`Fetcher.get` does a conditional GET (ETag / Last-Modified), follows redirects itself so that a
permanent move can be stored, caps the decoded body, enforces an overall deadline, and limits the
number of concurrent requests per host. Each request runs on an event loop thread (an anyio blocking
portal) under an anyio deadline (`fail_after`), so the deadline bounds the whole exchange: a server that
trickles its headers one line at a time is cut off like one that trickles its body. A fetcher made by
`stopping_on(should_stop)` also abandons a request in flight (within `STOP_CHECK` seconds) once
`should_stop()` is true: a stop request (SIGTERM) does not wait for a slow server. Every network or
HTTP problem becomes a `FetchError` with a one-line reason; there are no retries here (the scheduler
backs off, using `FetchError.retry_after`).

    with Fetcher(FetchLimits(timeout=10)) as fetcher:
        response = fetcher.get("https://example.com/feed.xml", Validators(etag='"abc"'))
        if response.status == 304:
            ...  # unchanged since the last poll

The body is decompressed here (gzip, deflate), not by httpx, so that a compression bomb is stopped after
`max_bytes` of output instead of being inflated one network read (up to ~1000x its size) at a time.
"""

from __future__ import annotations

import concurrent.futures
import copy
import email.utils
import errno
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from monitor import __version__

USER_AGENT = f"claim-monitor/{__version__} (+https://example.invalid/claim-monitor; feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
ACCEPT_ENCODING = "gzip, deflate"
PERMANENT_REDIRECTS = frozenset({301, 308})
TEMPORARY_REDIRECTS = frozenset({302, 303, 307})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 24 * 60 * 60.0
MAX_REASON_LENGTH = 200
STOP_CHECK = 0.1
"""Seconds between two looks at `should_stop` while a request is in flight."""
STOPPED = "stopped: a stop was requested"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Limits of one `Fetcher`.

    `timeout` bounds each connect and read and, as an overall deadline, the time a whole `get` spends on
    the network: connecting, status line, headers and body, redirect hops included (waiting for a
    per-host slot is not counted).
    `max_bytes` caps the decoded body. `per_host` is the number of requests to one host name in flight
    at once.
    """

    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Validators:
    """The cache validators of a response, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """A successful fetch: status 200-299 with the body, or 304 with an empty body.

    `permanent_url` is the final URL when every redirect hop was permanent (301/308), so the caller can
    store it in place of the requested URL; it is None when there was no redirect or any temporary one.
    """

    status: int
    url: str
    permanent_url: str | None
    body: bytes = field(repr=False)
    validators: Validators
    content_type: str | None


class FetchError(Exception):
    """A fetch that failed; str(exc) is a one-line reason for logs ("HTTP 500", "timed out after 20 s",
    "response larger than 10485760 bytes", "too many redirects", "connection refused", ...).

    `status` is the HTTP status when the server answered, else None. `retry_after` is the number of
    seconds the server asked us to wait (Retry-After on 429/503, at most 24 h), else None.
    """

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        reason = " ".join(reason.split())
        if len(reason) > MAX_REASON_LENGTH:
            reason = reason[: MAX_REASON_LENGTH - 3] + "..."
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


class Fetcher:
    """GETs URLs under `limits`; one instance is shared by all polling threads and closed at shutdown.

    The event loop thread and its connection pool start with the first request.
    """

    def __init__(self, limits: FetchLimits = FetchLimits()) -> None:
        self.limits = limits
        self._should_stop: Callable[[], bool] = _never
        self._shared = _Shared()

    def stopping_on(self, should_stop: Callable[[], bool]) -> Fetcher:
        """This fetcher (same connections, same per-host limits) with its requests abandoned, as a
        FetchError (`STOPPED`), once `should_stop()` is true; closing it closes this one."""
        view = copy.copy(self)
        view._should_stop = should_stop
        return view

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection pool and stops the event loop thread; the fetcher must not be used
        afterwards."""
        self._shared.close()

    def get(self, url: str, validators: Validators | None = None) -> Response:
        """GETs `url`, following up to `max_redirects` redirects; sends `validators` as a conditional GET.

        Returns a 200-299 response with the decoded body, or a 304 with an empty body and the
        validators the server sent (falling back to `validators`). Raises FetchError for any network,
        protocol or HTTP problem: statuses >= 400, a redirect loop, an oversized body, the deadline.
        """
        sent = validators or Validators()
        headers = {}
        if sent.etag:
            headers["If-None-Match"] = sent.etag
        if sent.last_modified:
            headers["If-Modified-Since"] = sent.last_modified
        current = _parse_url(url)
        budget = self.limits.timeout
        permanent = True
        for hop in range(self.limits.max_redirects + 1):
            if self._should_stop():
                raise FetchError(STOPPED)
            with self._slot(current.host):
                started = time.monotonic()
                try:
                    outcome = self._run(current, headers, sent, budget)
                finally:
                    budget -= time.monotonic() - started
            if isinstance(outcome, Response):
                return _replace_permanent(outcome, outcome.url if hop and permanent else None)
            status, location = outcome
            permanent = permanent and status in PERMANENT_REDIRECTS
            current = location
            if budget <= 0:
                raise FetchError(_timed_out(self.limits.timeout))
        raise FetchError("too many redirects")

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._shared.lock:
            slot = self._shared.hosts.get(host)
            if slot is None:
                slot = self._shared.hosts[host] = threading.BoundedSemaphore(self.limits.per_host)
            return slot

    def _run(
        self, url: httpx.URL, headers: dict[str, str], sent: Validators, budget: float
    ) -> Response | tuple[int, httpx.URL]:
        """One hop on the event loop thread, within `budget` seconds; abandoned on a stop request."""
        portal, client = self._shared.started(self.limits)
        future = portal.start_task_soon(self._request, client, url, headers, sent, max(budget, 0.001))
        while not future.done():
            concurrent.futures.wait([future], timeout=STOP_CHECK)
            if not future.done() and self._should_stop():
                future.cancel()  # cancels the request's task, which closes its connection
                raise FetchError(STOPPED)
        return future.result()

    async def _request(
        self,
        client: httpx.AsyncClient,
        url: httpx.URL,
        headers: dict[str, str],
        sent: Validators,
        budget: float,
    ) -> Response | tuple[int, httpx.URL]:
        """One hop: a Response, or (redirect status, next URL). Raises FetchError."""
        try:
            with anyio.fail_after(budget):
                return await self._exchange(client, url, headers, sent)
        except TimeoutError as exc:
            raise FetchError(_timed_out(self.limits.timeout)) from exc

    async def _exchange(
        self, client: httpx.AsyncClient, url: httpx.URL, headers: dict[str, str], sent: Validators
    ) -> Response | tuple[int, httpx.URL]:
        try:
            async with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in PERMANENT_REDIRECTS or status in TEMPORARY_REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"HTTP {status} without a Location header", status=status)
                    return status, _parse_url(location, base=url)
                if status in RETRY_AFTER_STATUSES:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    raise FetchError(f"HTTP {status}", status=status, retry_after=retry_after)
                if status != 304 and not 200 <= status < 300:
                    raise FetchError(f"HTTP {status}", status=status)
                received = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
                if status == 304:
                    body = b""
                    received = Validators(
                        received.etag or sent.etag, received.last_modified or sent.last_modified
                    )
                else:
                    body = await self._read_body(response)
                return Response(
                    status=status,
                    url=str(url),
                    permanent_url=None,
                    body=body,
                    validators=received,
                    content_type=response.headers.get("Content-Type"),
                )
        except httpx.TimeoutException as exc:
            raise FetchError(_timed_out(self.limits.timeout)) from exc
        except httpx.HTTPError as exc:
            raise FetchError(_network_reason(exc)) from exc
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}") from exc

    async def _read_body(self, response: httpx.Response) -> bytes:
        """The decoded body; raises FetchError past `max_bytes`."""
        limit = self.limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than {limit} bytes", status=response.status_code)
        decoder = _Decoder(response.headers.get("Content-Encoding", ""))
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            chunk = decoder.decode(raw, limit - size + 1)
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response larger than {limit} bytes", status=response.status_code)
            chunks.append(chunk)
        tail = decoder.flush()
        if size + len(tail) > limit:
            raise FetchError(f"response larger than {limit} bytes", status=response.status_code)
        chunks.append(tail)
        return b"".join(chunks)


class _Shared:
    """What a fetcher and its `stopping_on` views share: the per-host slots, and (from the first
    request) the event loop thread with the connection pool."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hosts: dict[str, threading.BoundedSemaphore] = {}
        self._stack = ExitStack()
        self._started: tuple[BlockingPortal, httpx.AsyncClient] | None = None
        self._closed = False

    def started(self, limits: FetchLimits) -> tuple[BlockingPortal, httpx.AsyncClient]:
        with self.lock:
            if self._closed:
                raise FetchError("the fetcher is closed")
            if self._started is None:
                portal = self._stack.enter_context(start_blocking_portal())
                client = httpx.AsyncClient(
                    follow_redirects=False,
                    timeout=httpx.Timeout(limits.timeout),
                    headers={
                        "User-Agent": limits.user_agent,
                        "Accept": ACCEPT,
                        "Accept-Encoding": ACCEPT_ENCODING,
                    },
                )
                self._started = portal, client
            return self._started

    def close(self) -> None:
        with self.lock:
            self._closed = True
            started, self._started = self._started, None
        if started is not None:
            portal, client = started
            portal.call(client.aclose)
        self._stack.close()


def _never() -> bool:
    return False


class _Decoder:
    """Decodes a Content-Encoding of identity, gzip or deflate with bounded output per call."""

    def __init__(self, content_encoding: str) -> None:
        encoding = content_encoding.strip().lower()
        self._raw_deflate_fallback = encoding == "deflate"
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported Content-Encoding {content_encoding!r}")
        self._started = False

    def decode(self, data: bytes, max_length: int) -> bytes:
        """Up to `max_length` bytes of output for `data`; output beyond that is dropped (the caller stops)."""
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(data, max_length)
        except zlib.error as exc:
            if self._raw_deflate_fallback and not self._started:
                # "deflate" is often sent as a raw deflate stream without the zlib header.
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_deflate_fallback = False
                return self.decode(data, max_length)
            raise FetchError(f"invalid compressed body: {exc}") from exc
        self._started = True
        return out

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise FetchError(f"invalid compressed body: {exc}") from exc


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP-date), capped at 24 h.

    Returns None when the value is missing or unreadable; a date in the past gives 0.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _parse_url(url: str, *, base: httpx.URL | None = None) -> httpx.URL:
    """An absolute http(s) URL (`url` resolved against `base`); raises FetchError otherwise."""
    try:
        parsed = base.join(url) if base is not None else httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        what = "redirect to" if base is not None else "cannot fetch"
        raise FetchError(f"{what} {url!r}: not an absolute http(s) URL")
    return parsed


def _replace_permanent(response: Response, permanent_url: str | None) -> Response:
    if permanent_url is None:
        return response
    return Response(
        status=response.status,
        url=response.url,
        permanent_url=permanent_url,
        body=response.body,
        validators=response.validators,
        content_type=response.content_type,
    )


def _timed_out(timeout: float) -> str:
    return f"timed out after {timeout:g} s"


def _network_reason(exc: httpx.HTTPError) -> str:
    """A short reason for a transport error, from the OS or TLS error underneath when there is one."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed ({cause.strerror or cause})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not valid ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error ({cause.reason or cause})"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by peer"
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        cause = cause.__cause__ or cause.__context__
        seen += 1
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {exc}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
