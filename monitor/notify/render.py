"""Alert messages per channel kind, from Jinja2 templates: Slack, email and plain text.

`Renderer.render(kind, alerts)` turns one alert into a message, or several into a digest ("11 alerts on
nk-troops-ukraine since 01:01 UTC: 4 new confirmations, 4 position changes, 2 status changes", then each
alert compactly). The result is a `Message` whose `title`, `body` and `body_format` go to Apprise's
`notify(title=..., body=..., body_format=...)` unchanged.

Kinds (`kind_for_url` guesses one from an Apprise URL):

- `slack` (`slack.md.j2`): **CommonMark**, sent with `body_format="markdown"`. Apprise 2.x translates
  declared Markdown into Slack mrkdwn itself (`**bold**` -> `*bold*`, `[text](<url>)` -> `<url|text>`,
  `&` -> `&amp;`, `\\<` -> `&lt;`), in both its attachment and its Block Kit mode; native mrkdwn sent as
  "markdown" would be mangled (`*bold*` becomes italics, `&amp;` becomes `&amp;amp;`). User text goes
  through the `md` filter, which backslash-escapes `\\ < > [ ]` so Slack receives `&lt;`/`&gt;` and no
  accidental link or mention can form.
- `email` (`email.html.j2`): HTML with inline styles only, sent with `body_format="html"`; the subject
  is the title. Apprise's email plugin sends multipart/alternative: this HTML, and a text/plain part it
  derives with its own HTML-to-text converter (block tags end lines, whitespace between block tags
  becomes a blank line, `<hr>` becomes `---`, `<blockquote>` a `>` prefix, link targets are dropped).
  The template is written for that converter: every link's URL is also visible text. `Message.text_body`
  holds the part as Apprise will derive it.
- `text` (`text.txt.j2`): compact plain text, `body_format="text"`, for SMS-like, webhook and unknown
  services.

Limits (characters; `limits(kind)`, or `limits_for_url(url)` for a specific service):

- slack: body 35,000, title 150. Body: Apprise's `NotifySlack.body_maxlen` (Slack itself truncates a
  message's `text` at 40,000). Title: Slack's Block Kit header block takes at most 150 characters
  (`slack://...?blocks=yes`), less than Apprise's `title_maxlen` of 250.
- email: body 32,768, title 250: `NotifyEmail.body_maxlen` and `title_maxlen` (inherited from
  `NotifyBase`; with `?overflow=truncate` or `split` Apprise would cut the HTML beyond it, mid-tag).
- text: body 1,600 (Twilio's limit for one concatenated SMS body), title 250 (Apprise's default).

Apprise's default overflow mode ("upstream") sends bodies as they are, so these limits are enforced
here. For Slack the measured length is an upper bound of the mrkdwn Apprise produces (each `&` grows by
4, each escaped `<`/`>` by 2). `limits_for_url` reads the plugin's own `body_maxlen` / `title_maxlen`
(Discord 2,000, Pushover 1,024, Telegram 4,096, JSON webhooks 32,768, ...) and, for a service without a
title (`title_maxlen` 0, where Apprise prepends the title to the body), reserves room for it.

Cutting is clean: first whole alerts are left out of a digest (the template says "… (N more alerts)"),
then whole statements of an alert ("… (N more statements)"), then long quotes, titles and reasons are
shortened at a word boundary with "…"; only then is the text cut after its last whole line that fits,
with "… (N more lines)" (for HTML, a plain-text rendering is used so no tag is ever split). Titles are
shortened at a word boundary.

Templates are looked up first in the overrides folder (e.g. `config/templates/`), then in
`monitor/notify/templates/`; docs/alerts.md lists the variables they receive. A template that does not
compile, or fails while rendering, raises `TemplateError` naming the file and line.
"""

from __future__ import annotations

import difflib
import html
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from monitor.notify.context import (
    AlertView,
    alert_context,
    clip,
    digest_facts,
    format_clock,
    format_confidence,
    format_day,
    md_escape,
    md_url,
    shrink,
)

KINDS = ("slack", "email", "text")
TEMPLATES = {"slack": "slack.md.j2", "email": "email.html.j2", "text": "text.txt.j2"}
TITLE_TEMPLATE = "title.txt.j2"
"""Renders the title (Slack title, email subject) for every kind; it receives `kind` too."""
FORMATS = {"slack": "markdown", "email": "html", "text": "text"}
"""The Apprise `body_format` (NotifyFormat value) of each kind's body."""
PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True, slots=True)
class Limits:
    """Maximum characters of a message's body and title. `title_in_body`: the service has no title
    field, so Apprise sends `title + "\\r\\n" + body` and the body must leave room for the title."""

    body: int
    title: int
    title_in_body: bool = False


_LIMITS = {
    "slack": Limits(body=35_000, title=150),
    "email": Limits(body=32_768, title=250),
    "text": Limits(body=1_600, title=250),
}
_SLACK_HEADER_MAX = 150


def limits(kind: str) -> Limits:
    """The default limits of a kind (see the module docstring). Raises ValueError for an unknown kind."""
    return _LIMITS[_check_kind(kind)]


def limits_for_url(url: str, kind: str | None = None) -> Limits:
    """The limits of the Apprise service behind `url`: its plugin's `body_maxlen` and `title_maxlen`,
    capped for Slack titles (Block Kit headers); the kind's defaults when Apprise cannot parse the URL.
    Parses the URL only: no network."""
    kind = _check_kind(kind or kind_for_url(url))
    from apprise import Apprise

    from monitor.notify.console import register_console

    register_console()
    plugin = Apprise.instantiate(url)
    if not plugin:
        return limits(kind)
    body = int(plugin.body_maxlen) if int(plugin.body_maxlen) > 0 else limits(kind).body
    title = int(plugin.title_maxlen)
    if kind == "slack":
        title = min(title, _SLACK_HEADER_MAX)
    if title <= 0:
        return Limits(body=body, title=limits(kind).title, title_in_body=True)
    return Limits(body=body, title=title)


_EMAIL_SCHEMES = {"mailto", "mailtos"}


def kind_for_url(url: str) -> str:
    """Guess a message kind from an Apprise URL: `slack://` (and https://hooks.slack.com/ webhooks) ->
    "slack"; `mailto://`, `mailtos://` -> "email"; everything else, including the `json://`, `form://`
    and `xml://` webhooks (machines: the plain text reads best and the title travels in its own field)
    and `console://` -> "text"."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "slack" or (
        scheme in ("http", "https") and urlsplit(url).hostname in ("hooks.slack.com", "hooks.slack-gov.com")
    ):
        return "slack"
    if scheme in _EMAIL_SCHEMES and rest:
        return "email"
    return "text"


@dataclass(frozen=True)
class Message:
    """A rendered message: pass `title`, `body` and `body_format` to Apprise's `notify()`.

    `text_body` is the plain-text version: for HTML, the text/plain part Apprise's email plugin derives
    from the body (computed with Apprise's own converter, for previews and logs; Apprise derives it
    again when sending); otherwise the body itself. `shown` alerts are in the message, `omitted` were
    left out to respect the limits."""

    title: str
    body: str
    body_format: str
    text_body: str
    shown: int
    omitted: int = 0


class TemplateError(ValueError):
    """A template does not compile or fails while rendering; the message names its file and line."""


class Renderer:
    """Renders alerts with the packaged templates, or the same-named files in `overrides`.

    Every template is loaded (so compiled) at construction: a broken override is reported when the
    monitor starts, not at the first alert. Raises TemplateError for a template that does not compile or
    an unknown `.j2` file in `overrides` (a misspelt name would silently never be used), and
    NotADirectoryError for an `overrides` path that is not a folder."""

    def __init__(self, overrides: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if overrides is not None:
            if not overrides.is_dir():
                raise NotADirectoryError(f"template overrides: {overrides} is not a folder")
            _check_override_names(overrides)
            loaders.append(jinja2.FileSystemLoader(overrides))
        loaders.append(jinja2.FileSystemLoader(PACKAGE_TEMPLATES))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            md=md_escape, mdurl=md_url, day=format_day, clock=format_clock, conf=format_confidence, clip=clip
        )
        self._templates = {name: self._load(name) for name in (*TEMPLATES.values(), TITLE_TEMPLATE)}

    def render(self, kind: str, alerts: Sequence[AlertView], limit: Limits | None = None) -> Message:
        """One alert: a message about it; several: a digest. Cut to `limit` (default: `limits(kind)`).
        Raises ValueError for an unknown kind or no alerts, TemplateError for a failing template."""
        kind = _check_kind(kind)
        if not alerts:
            raise ValueError("nothing to render: no alerts")
        lim = limit or limits(kind)
        base = digest_facts(alerts)
        contexts = [alert_context(a) for a in alerts]
        title = " ".join(self._call(TITLE_TEMPLATE, {**base, "kind": kind, "alerts": contexts}).split())
        title = clip(title, lim.title)
        base["subject"] = title
        budget = lim.body - (len(title) + 2 if lim.title_in_body and title else 0)
        measure = _slack_length if kind == "slack" else len

        def attempt(shown: int, statements: int | None = None, chars: int | None = None) -> str | None:
            ctx = [shrink(c, statements, chars) for c in contexts[:shown]]
            body = self._body(kind, base, ctx, omitted=len(alerts) - shown)
            return body if measure(body) <= budget else None

        body = attempt(len(alerts))
        shown = len(alerts)
        if body is None and len(alerts) > 1:
            shown, body = _largest(1, len(alerts) - 1, attempt)
            shown = max(shown, 1)
        if body is None:
            most = max((len(c["statements"]) for c in contexts[:shown]), default=1)
            count, body = _largest(1, max(most - 1, 1), lambda n: attempt(shown, n))
            statements = max(count, 1)
            for chars in (2000, 600, 240, 80):
                if body is not None:
                    break
                body = attempt(shown, statements, chars)
            if body is None:
                body = self._cut_lines(kind, base, contexts[:shown], len(alerts) - shown, budget, measure)
        return self._message(kind, title, body, shown, len(alerts) - shown)

    def _body(
        self, kind: str, base: Mapping[str, Any], contexts: list[dict[str, Any]], *, omitted: int
    ) -> str:
        values = {**base, "alerts": contexts, "omitted": omitted, "kind": kind}
        body = self._call(TEMPLATES[kind], values).strip() + "\n"
        return tidy_html(body) if kind == "email" else body

    def _cut_lines(
        self,
        kind: str,
        base: Mapping[str, Any],
        contexts: list[dict[str, Any]],
        omitted: int,
        budget: int,
        measure: Callable[[str], int],
    ) -> str:
        """The last resort: whole lines that fit, then "… (N more lines)". HTML is never cut: its
        plain-text rendering is cut and wrapped in one block instead."""
        small = [shrink(c, 1, 80) for c in contexts]
        source = self._body("text" if kind == "email" else kind, base, small, omitted=omitted)
        lines = source.rstrip("\n").split("\n")
        wrap = _html_block if kind == "email" else (lambda text: text)
        for keep in range(len(lines), -1, -1):
            left = sum(1 for line in lines[keep:] if line.strip())
            kept = "\n".join(lines[:keep]).rstrip()
            marker = f"… ({left} more lines)" if left else ""
            text = wrap("\n".join(part for part in (kept, marker) if part) + "\n")
            if measure(text) <= budget:
                return text
        return wrap(clip(lines[0], max(budget // 2, 1)) + "\n")

    def _message(self, kind: str, title: str, body: str, shown: int, omitted: int) -> Message:
        text = _html_to_text(body) if kind == "email" else body
        return Message(title, body, FORMATS[kind], text, shown, omitted)

    def _load(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or exc.name or name
            raise TemplateError(f"{where}:{exc.lineno}: {exc.message}") from exc

    def _call(self, name: str, values: Mapping[str, Any]) -> str:
        template = self._templates[name]
        try:
            return template.render(values)
        except jinja2.TemplateError as exc:
            where = template.filename or name
            line = _template_line(exc, where)
            raise TemplateError(f"{where}:{line}: {exc}" if line else f"{where}: {exc}") from exc


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r} (known: {', '.join(KINDS)})")
    return kind


def _check_override_names(folder: Path) -> None:
    known = [*TEMPLATES.values(), TITLE_TEMPLATE]
    for path in sorted(folder.glob("*.j2")):
        if path.name not in known:
            close = difflib.get_close_matches(path.name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TemplateError(f"{path}: unknown template name{hint} (known: {', '.join(known)})")


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line a rendering error happened on: Jinja rewrites tracebacks so that template
    frames carry the template's file name and line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _largest(low: int, high: int, fits: Callable[[int], str | None]) -> tuple[int, str | None]:
    """The largest n in [low, high] for which `fits(n)` gives a body (fits is monotone), and that
    body; (low - 1, None) when none does."""
    best: tuple[int, str | None] = (low - 1, None)
    while low <= high:
        mid = (low + high) // 2
        body = fits(mid)
        if body is None:
            high = mid - 1
        else:
            best, low = (mid, body), mid + 1
    return best


def _slack_length(body: str) -> int:
    """An upper bound of the length of the mrkdwn Apprise makes of this CommonMark body."""
    return len(body) + 4 * body.count("&") + 2 * (body.count("\\<") + body.count("\\>"))


_BETWEEN_TAGS = re.compile(r">([ \t]*\n\s*)<")


def tidy_html(body: str) -> str:
    """Line breaks between two tags go, an empty line stays as one: browsers ignore both, but Apprise's
    HTML-to-text converter turns any whitespace between two block tags into an empty line of the
    text/plain part. So an empty line in the template's output is an empty line in the text part."""
    return _BETWEEN_TAGS.sub(lambda m: ">\n<" if m.group(1).count("\n") > 1 else "><", body)


def _html_block(text: str) -> str:
    escaped = html.escape(text.rstrip("\n"), quote=False).replace("\n", "<br>")
    return f'<div style="font-family:sans-serif;font-size:14px">{escaped}</div>\n'


def _html_to_text(body: str) -> str:
    """The text/plain part Apprise's email plugin derives from an HTML body."""
    from apprise.common import NotifyFormat
    from apprise.conversion import convert_between

    return str(convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, body))  # type: ignore[no-untyped-call]


__all__ = [
    "FORMATS",
    "KINDS",
    "AlertView",
    "Limits",
    "Message",
    "Renderer",
    "TemplateError",
    "kind_for_url",
    "limits",
    "limits_for_url",
]
