"""`w2sg report PATH`: one self-contained HTML page for a run or a sweep folder."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.report.html import write_html_report


def report(
    path: Path = typer.Argument(..., help="A study, fine-tune run or sweep folder."),
) -> None:
    """Write PATH/report.html: config, provenance, every figure and table, inline (no network)."""

    typer.echo(str(write_html_report(path)))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
