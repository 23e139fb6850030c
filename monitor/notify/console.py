"""`console://`: an Apprise target that prints alerts on the terminal, so the demo needs no account.

Registered with Apprise's custom-notification decorator, so it is routed, filtered and logged like any
other Apprise URL (`console://` in a route's `urls`).
"""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console
from rich.panel import Panel

_registered = False
_lock = threading.Lock()


def register_console() -> None:
    """Make `console://` available to Apprise (idempotent, thread-safe). Called where Apprise is about
    to read a URL, not at start: registering loads every Apprise plugin (about half a second)."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            _register()


def _register() -> None:
    global _registered
    from apprise.decorators import notify

    out = Console(highlight=False)

    @notify(on="console", name="Terminal")  # type: ignore[untyped-decorator,no-untyped-call]
    def _print(body: str, title: str, notify_type: str, *args: Any, **kwargs: Any) -> bool:
        out.print(Panel(body, title=title, title_align="left", border_style=_STYLE.get(notify_type, "cyan")))
        return True

    _registered = True


_STYLE = {"success": "green", "warning": "yellow", "failure": "red", "info": "cyan"}
