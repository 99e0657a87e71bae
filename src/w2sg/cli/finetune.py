"""`w2sg finetune`: weak model, students and ceiling fine-tuned for real."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import config_command, out_option
from w2sg.cli.output import console, headline, logger
from w2sg.finetune.config import FinetuneConfig
from w2sg.validate import check_output


def finetune(config: FinetuneConfig, out: Path) -> None:
    """Fine-tune the weak model on ground truth, students on its soft labels (one per loss,
    plus strong-to-strong) and the ceiling; write results.json, curves and summary.md."""
    from w2sg.finetune.run import run_finetune  # heavy: torch, transformers, peft

    check_output(out)
    shown = console()
    headline(shown, run_finetune(config, out, log=logger(shown)))
    shown.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.command("finetune")(
        config_command(FinetuneConfig, finetune, extras=(out_option("runs/finetune"),))
    )
