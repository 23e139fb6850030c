"""What every request passes through (ASGI middleware): the access log, the secret filter, the token.

- `AccessLog`: one key=value line per request on the `monitor.web.access` logger (method, path, status,
  ms); never the query string, which may hold the token.
- `HideSecrets`: the last line of defence. The API never returns a URL of an alert target, yet any
  response body in which a known secret still appears (a target URL, its password or token-like parts,
  a `${ENV}` value the rules file uses, a feed URL's password and secret query values, the
  database password, the API token) has it replaced by `***`.
- `HideSecretsInLogs`: the same filter for log lines (`hide_secrets_in_logs`): a library's debug
  line (httpx: "HTTP Request: GET https://user:pw@..."; Apprise: a webhook's URL) or an exception's
  text has every known secret replaced by `***` before a handler writes it.
- `RequireToken`: with a token, every request but `/healthz` must carry it, as `Authorization: Bearer
  <token>` or `?token=<token>` (then a cookie keeps a browser signed in: it holds a hash of the token,
  HttpOnly, SameSite=Strict); otherwise 401. Compared in constant time.

`check_bind` refuses a server on a non-loopback address without a token.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.ingest.urls import SECRET_PARAMETERS

if TYPE_CHECKING:
    from monitor.app import App

log = logging.getLogger("monitor.web.access")

MIN_TOKEN_LENGTH = 16
TOKEN_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
OPEN_PATHS = frozenset({"/healthz"})
"""Served without the token: liveness says nothing but "the process serves"."""
COOKIE = "monitor_token"
MIN_SECRET_LENGTH = 6
"""Shorter strings are not filtered out of responses (they would garble ordinary text)."""


def is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(bind_host: str, token: str | None) -> str | None:
    """The token to require (None: none). Raises ValueError when `bind_host` is not a loopback address
    and there is no token, or when a token is too short to be one."""
    token = token or None
    if token is None and not is_loopback(bind_host):
        raise ValueError(
            f"serving on {bind_host} (not a loopback address) needs a token: set MONITOR_API_TOKEN "
            f"(e.g. {TOKEN_HINT}), or serve on 127.0.0.1"
        )
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"MONITOR_API_TOKEN is too short ({len(token)} characters): use at least {MIN_TOKEN_LENGTH} "
            f"random characters (e.g. {TOKEN_HINT})"
        )
    return token


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info(
                "method=%s path=%s status=%d ms=%.1f", scope["method"], _value(scope["path"]), status, ms
            )


def _value(text: str) -> str:
    """A log value: as is when plain, else quoted (a path may hold spaces or newlines)."""
    return text if re.fullmatch(r"[\w./:@%+~-]*", text) else repr(text)


class HideSecrets:
    def __init__(self, app: ASGIApp, secrets: Callable[[], Collection[bytes]]) -> None:
        self.app = app
        self.secrets = secrets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def filtered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = hide(b"".join(chunks), self.secrets())
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, filtered)


def hide(body: bytes, known: Iterable[bytes]) -> bytes:
    for secret in known:  # longest first: a URL goes whole before its parts
        body = body.replace(secret, b"***")
    return body


class HideSecretsInLogs(logging.Filter):
    """Replaces every known secret in a log record's message and exception text by `***`."""

    def __init__(self, secrets: Callable[[], Collection[bytes]]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        known = [s.decode("utf-8", "replace") for s in self.secrets()]
        message = record.getMessage()
        hidden = _hide_text(message, known)
        if hidden != message:  # a record without a secret keeps its format and arguments
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _hide_text(record.exc_text, known)
        return True


def _hide_text(text: str, known: Iterable[str]) -> str:
    for secret in known:  # longest first
        text = text.replace(secret, "***")
    return text


def hide_secrets_in_logs(app: App) -> HideSecretsInLogs:
    """Filter the secrets of `app`'s rules and settings out of everything the root logger's handlers
    write (worked out again when the rules are reloaded); returns the filter."""
    held: list[tuple[object, list[bytes]]] = []

    def current() -> list[bytes]:
        if not held or held[0][0] is not app.rules:
            held[:] = [(app.rules, known_secrets(app, token))]
        return held[0][1]

    token = app.settings.api_token.get_secret_value() if app.settings.api_token else None
    hide = HideSecretsInLogs(current)
    for handler in logging.getLogger().handlers:
        handler.addFilter(hide)
    return hide


class RequireToken:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()
        self.cookie = hashlib.sha256(b"monitor-cookie\0" + self.token).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        query = parse_qsl(scope["query_string"].decode("utf-8", "replace"), keep_blank_values=True)
        by_query = any(self._matches(v.encode()) for k, v in query if k == "token")
        scheme, _, bearer = headers.get(b"authorization", b"").partition(b" ")
        by_header = scheme.lower() == b"bearer" and self._matches(bearer.strip())
        if not (by_query or by_header or self._cookie_matches(headers.get(b"cookie", b""))):
            response = JSONResponse(
                {"detail": "a valid token is required (Authorization: Bearer <token>, or ?token=<token>)"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="monitor"'},
            )
            await response(scope, receive, send)
            return
        if any(k == "token" for k, _ in query):  # the app never sees the token
            rest = [(k, v) for k, v in query if k != "token"]
            scope = {**scope, "query_string": urlencode(rest).encode()}
        if not by_query:
            await self.app(scope, receive, send)
            return

        async def sign_in(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.cookie}; HttpOnly; SameSite=Strict; Path=/"
                message = {**message, "headers": [*message["headers"], (b"set-cookie", cookie.encode())]}
            await send(message)

        await self.app(scope, receive, sign_in)

    def _matches(self, given: bytes) -> bool:
        return secrets.compare_digest(given, self.token)

    def _cookie_matches(self, header: bytes) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header.decode("latin-1"))
        except CookieError:  # a malformed Cookie header is no credential
            return False
        morsel = jar.get(COOKIE)
        return morsel is not None and secrets.compare_digest(morsel.value.encode(), self.cookie.encode())


def known_secrets(app: App, token: str | None) -> list[bytes]:
    """What must never leave in a response, longest first: the token, the database password, the
    credential-like parts of each alert target URL (`url_secrets`) and the values of the `${ENV}`
    variables the rules file uses, and the credentials of each feed URL (`feed_url_secrets`)."""
    found: set[str] = {token} if token else set()
    password = app.engine.url.password
    if password:
        found.add(str(password))
    urls = [t.url for routed in app.routing for t in routed.targets] + list(app.settings.notify_urls)
    for url in urls:
        found |= url_secrets(url)
    found |= env_secrets(app.rules.path)
    for source in app.rules.sources:
        feed_url = getattr(source, "url", None)
        if isinstance(feed_url, str):
            found |= feed_url_secrets(feed_url, getattr(source, "secret_parameters", SECRET_PARAMETERS))
    encoded = {s.encode() for s in found if len(s) >= MIN_SECRET_LENGTH}
    return sorted(encoded, key=len, reverse=True)


def url_secrets(url: str) -> set[str]:
    """The URL's credential-like parts (its password; a dotless host of 8 or more characters, such as a
    Slack token; path segments and query values of 8 or more characters), and the URL itself when it
    has any. A URL that cannot be parsed counts as a secret whole."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    host = parts.netloc.rpartition("@")[2].partition(":")[0]  # as written: `hostname` lowercases
    found = {p for p in (parts.password,) if p}
    if len(host) >= 8 and "." not in host and "[" not in host and host != "localhost":
        found.add(host)
    found |= {s for s in parts.path.split("/") if len(s) >= 8}
    found |= {v for _, v in parse_qsl(parts.query) if len(v) >= 8}
    if found:
        found.add(url)
    return found | {unquote(s) for s in found}


def feed_url_secrets(url: str, secret_parameters: Collection[str] = SECRET_PARAMETERS) -> set[str]:
    """A feed URL's credentials (its password, the values of its secret query parameters), and the URL
    itself when it has any. Unlike an alert target's, a feed URL's path is no secret, nor its user name
    (often a plain word)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    names = {name.lower() for name in secret_parameters}
    found = {parts.password} if parts.password else set()
    found |= {v for k, v in parse_qsl(parts.query) if k.lower() in names and v}
    if found:
        found.add(url)
    return found | {unquote(s) for s in found}


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def env_secrets(rules: Path) -> set[str]:
    """The values of the environment variables the rules file names as `${NAME}`."""
    try:
        text = rules.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {value for name in _ENV.findall(text) if (value := os.environ.get(name))}
