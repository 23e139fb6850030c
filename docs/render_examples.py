"""Print alerts from a monitor database as each channel kind renders them (docs/alerts.md shows this
output for the seeds demo).

    python docs/render_examples.py data/monitor.db 2 8 3

Reads the `alerts` table with the standard library only; prints, for each alert id, the Slack body
(CommonMark, as passed to Apprise), the mrkdwn Apprise's Slack plugin makes of it, the email's HTML and
the text/plain part Apprise derives from it; then a Slack digest of every alert in the database.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import datetime

from apprise import Apprise
from apprise.common import NotifyFormat

from monitor.notify.render import AlertView, Renderer


def load(path: str) -> dict[int, AlertView]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, event, claim_id, title, body, confidence, created_at, payload FROM alerts ORDER BY id"
        ).fetchall()
    return {
        row[0]: AlertView(
            row[1], row[2], row[3], row[4], row[5], datetime.fromisoformat(row[6]), json.loads(row[7])
        )
        for row in rows
    }


def block(label: str, lang: str, text: str) -> None:
    print(f"{label}\n\n```{lang}\n{text.rstrip()}\n```\n")


def main(path: str, ids: list[int]) -> None:
    alerts = load(path)
    renderer = Renderer()
    slack = Apprise.instantiate("slack://T000/B000/XXXXXXXXXXXX")
    for alert_id in ids:
        alert = alerts[alert_id]
        print(f"#### Alert {alert_id}: {alert.event}\n")
        message = renderer.render("slack", [alert])
        block(f"Slack, title `{message.title}`; the body passed to Apprise:", "markdown", message.body)
        block(
            "What Slack receives (Apprise's mrkdwn):",
            "text",
            slack.dialect_convert(message.body, NotifyFormat.MARKDOWN),
        )
        message = renderer.render("email", [alert])
        block(f"Email, subject `{message.title}`; the HTML:", "html", message.body)
        block("The text/plain part Apprise derives from it:", "text", message.text_body)
    digest = renderer.render("slack", list(alerts.values()))
    block(
        f"#### A Slack digest of all {len(alerts)} alerts\n\nTitle `{digest.title}`; body:",
        "markdown",
        digest.body,
    )


if __name__ == "__main__":
    main(sys.argv[1], [int(i) for i in sys.argv[2:]])
