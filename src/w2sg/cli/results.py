"""`w2sg results`: the offline benchmark's page (docs/results.md) and HTML report, from its
sweep folders."""

from __future__ import annotations

import typer

from w2sg.benchmark.config import ResultsConfig
from w2sg.cli.build import config_command
from w2sg.cli.output import console, logger


def results(config: ResultsConfig) -> None:
    """Test the literature's claims (a)-(e) on the benchmark's sweep folders: write
    docs/results.md (tables with intervals, the guard, paired tests and verdicts), its figures
    and the HTML report; print each tier's cold and cached time."""
    from w2sg.benchmark.run import write_results  # heavy: pandas, scipy, matplotlib

    shown = console()
    written = write_results(config, log=logger(shown))
    shown.print(f"read first: {written.markdown}")


def register(app: typer.Typer) -> None:
    app.command("results")(config_command(ResultsConfig, results))
