"""`w2sg select`: the data-source bandit on a dataset, on its own."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import config_command, out_option
from w2sg.cli.output import console, logger
from w2sg.study.select import SelectConfig
from w2sg.validate import check_output

SHOWN = ("estimated_ratio", "true_ratio", "accuracy", "overlap_accuracy", "regret")


def select(config: SelectConfig, out: Path) -> None:
    """Choose data sources that maximise overlap density (Algorithm 2): write selection.json
    and figures (overlap ratio, test accuracy, pulls per arm, regret)."""
    from w2sg.study.select import select_on_dataset  # heavy: torch and the models

    check_output(out)
    shown = console()
    stage = select_on_dataset(config, out, log=logger(shown))
    for name, s in stage["strategies"].items():
        final = s["summary"]["final"]
        parts = [f"{k} {final[k]['mean']:.3f}±{final[k]['std']:.3f}" for k in SHOWN if k in final]
        pulls = ", ".join(f"{p:.1f}" for p in s["summary"]["pulls_mean"])
        shown.print(f"[bold]{name:7s}[/] {'  '.join(parts)}  pulls [{pulls}]")
    shown.print(
        f"detection {config.detection}, estimator {config.estimator}; "
        f"read: {out / 'selection.json'}"
    )


def register(app: typer.Typer) -> None:
    app.command("select")(config_command(SelectConfig, select, extras=(out_option("runs/select"),)))
