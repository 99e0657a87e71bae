"""`w2sg probes sweep`: layers x k x L2 of the probes, as the EleutherAI study's heat-map."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import config_command, out_option
from w2sg.cli.output import console, logger
from w2sg.study.probe_sweep import ProbeSweepConfig, run_probe_sweep
from w2sg.validate import check_output

probes_app = typer.Typer(
    help="Probes on frozen activations: kNN, logistic, TopoFilter.", no_args_is_help=True
)


def sweep(config: ProbeSweepConfig, out: Path) -> None:
    """Probe test AUC minus the weak labels' test AUC per layer and parameter (heat-maps)."""

    check_output(out)
    shown = console()
    run_probe_sweep(config, out, log=logger(shown))
    shown.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    command = config_command(ProbeSweepConfig, sweep, extras=(out_option("runs/probes_sweep"),))
    probes_app.command("sweep")(command)
    app.add_typer(probes_app, name="probes")
