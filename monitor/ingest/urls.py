"""URL canonicalisation: one spelling per article URL, and an identity key for "the same story".

    canonical_url("HTTPS://Example.com:443/a?utm_source=x&b=2&a=1#top") == "https://example.com/a?a=1&b=2"
    url_identity("http://www.example.com/a?utm_source=x") == url_identity("https://example.com/a")

Percent-encoding is kept as given; neither function raises.

`without_credentials` takes a source's credentials out of a link (its user and password, and the query
parameters that carry keys): an article link made from a feed URL such as
`https://user:pw@example.org/rss?token=...` must not carry them into the store, the API or an alert.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import unquote_plus, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ocid",
        "cmpid",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}
SECRET_PARAMETERS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "auth_token",
        "key",
        "password",
        "secret",
        "sig",
        "signature",
        "token",
    }
)
"""Query parameters that carry a credential; a feed's `secret_params` adds more."""


def without_credentials(url: str, secret_parameters: Collection[str] = SECRET_PARAMETERS) -> str | None:
    """`url` without its user and password and without the query parameters named (in any case) in
    `secret_parameters`; the rest as written. None when it cannot be parsed (it might hide either)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    names = {name.lower() for name in secret_parameters}
    netloc = parts.netloc.rpartition("@")[2]
    pairs = [pair for pair in parts.query.split("&") if pair]
    kept = [pair for pair in pairs if unquote_plus(pair.partition("=")[0]).lower() not in names]
    query = "&".join(kept) if len(kept) < len(pairs) else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def canonical_url(url: str) -> str:
    """The canonical spelling of `url`: lower-case scheme and host, no default port, no fragment, no
    tracking parameters, the other query parameters sorted by name (stable, blank values kept), "/" for
    an empty path. Returns `url` stripped when it is not an absolute URL or cannot be parsed.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc or host is None:
        return text
    scheme = parts.scheme.lower()
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"[{host}]" if ":" in host else host
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query = _clean_query(parts.query)
    return f"{scheme}://{netloc}{parts.path or '/'}{'?' + query if query else ''}"


def url_identity(url: str) -> str:
    """The key that tells the same story apart from others: `canonical_url` without the scheme and a
    leading "www.", so http://www.example.com/a?utm_source=x and https://example.com/a are equal.
    """
    canonical = canonical_url(url)
    scheme, separator, rest = canonical.partition("://")
    if not separator or not scheme or "/" in scheme:
        return canonical
    return rest.removeprefix("www.")


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter name (as written, percent-encoded or not) only tracks the reader."""
    key = unquote_plus(name).lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    pairs = [pair for pair in query.split("&") if pair]
    kept = [pair for pair in pairs if not is_tracking_parameter(pair.partition("=")[0])]
    kept.sort(key=lambda pair: pair.partition("=")[0])
    return "&".join(kept)
