"""`w2sg run`: the whole data-centric W2S study in one command."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import config_command, out_option
from w2sg.cli.output import console, headline, logger
from w2sg.study.config import StudyConfig
from w2sg.validate import check_output


def run(config: StudyConfig, out: Path) -> None:
    """Cache activations, train weak / student / ceiling, detect overlap, run the mixing
    experiment and the data-source selection; write results.json, figures and summary.md."""
    from w2sg.study.run import run_study  # heavy: torch and the models load with it

    check_output(out)
    shown = console()
    headline(shown, run_study(config, out, log=logger(shown)))
    shown.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.command("run")(config_command(StudyConfig, run, extras=(out_option("runs/study"),)))
