"""`w2sg gap SWEEP.yaml`: weak and ceiling probe accuracy on val for every weak choice of a
sweep grid, and the weak model the rule picks per dataset (never reads test)."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import Extra, config_command, out_option
from w2sg.cli.output import console, logger
from w2sg.stats.gaps import ChoiceRule
from w2sg.sweep.grid import load_sweep


def gap(rule: ChoiceRule, config: Path, out: Path | None) -> None:
    """Weak-probe and ceiling-probe accuracy on val (never test) for every (dataset, weak,
    strong, method) of a sweep file, and the chosen weak model per dataset: the one with the
    highest val accuracy whose mean gap is at least --min-gap and whose accuracy is at least
    --min-weak. Writes gaps.csv, gap_table.csv, gaps.md and gaps.json."""
    cfg = load_sweep(config)
    folder = out or Path("runs/gaps") / cfg.name
    from w2sg.sweep.val_gap import run_val_gap  # heavy: the probes load torch and the models

    shown = console()
    result = run_val_gap(cfg, folder, rule, log=logger(shown))
    for dataset, choice in result["choices"].items():
        shown.print(
            f"{dataset}: {choice['weak_model']} ({choice['method']}), val weak "
            f"{choice['weak_accuracy_mean']:.3f}, gap {choice['gap_mean']:.3f}"
        )
    for dataset in result["without_choice"]:
        shown.print(f"{dataset}: [yellow]no weak choice clears the rule[/]")
    shown.print(f"wrote {folder / 'gaps.md'} and {folder / 'gaps.json'}")


def register(app: typer.Typer) -> None:
    """Add `w2sg gap` to the app."""
    extras = (
        Extra(
            "config", Path, ..., (), "Sweep file (YAML) whose grid holds the weak choices.", True
        ),
        out_option(None, "Output folder (default: runs/gaps/<name>)."),
    )
    app.command("gap")(config_command(ChoiceRule, gap, extras=extras))
