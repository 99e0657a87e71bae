"""`w2sg interventions`: every probe-based W2S intervention on the same splits."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import config_command, out_option
from w2sg.cli.output import console, logger
from w2sg.study.interventions import InterventionsConfig, run_interventions
from w2sg.validate import check_output


def interventions(config: InterventionsConfig, out: Path) -> None:
    """Train the probe-mode student on each intervention's training set (same splits and weak
    labels); write results.json, interventions_pgr.png and summary.md."""

    check_output(out)
    shown = console()
    run_interventions(config, out, log=logger(shown))
    shown.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    command = config_command(
        InterventionsConfig, interventions, extras=(out_option("runs/interventions"),)
    )
    app.command("interventions")(command)
