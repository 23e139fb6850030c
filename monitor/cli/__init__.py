"""The `monitor` command line, one module per command group: running (`version`, `check`, `run`,
`serve`), claims (`claims`, `evidence`, `timeline`), explain (`explain`: one article's decisions),
alerts (`alerts`, `notify-test`), evaluation (`eval`, `backtest`) and database (`db upgrade`). Tables
for people, `--json` (stable field names) for scripts. The commands are registered here, in the order
`monitor --help` lists them."""

from monitor.cli import alerts, claims, database, evaluation, explain, running
from monitor.cli.common import app

app.command()(running.version)
app.command()(running.check)
app.command()(running.run)
app.command()(running.serve)
app.command()(claims.claims)
app.command()(claims.evidence)
app.command()(claims.timeline)
app.command()(explain.explain)
app.command("alerts")(alerts.alerts)
app.command("notify-test")(alerts.notify_test)
app.command("eval")(evaluation.evaluate)
app.command()(evaluation.backtest)
app.add_typer(database.db_app, name="db")

__all__ = ["app"]
