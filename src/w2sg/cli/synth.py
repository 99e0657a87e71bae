"""`w2sg synth mechanism | detect`: experiments on synthetic data with known overlap."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from w2sg.cli.build import config_command, out_option
from w2sg.io import write_atomic, write_json
from w2sg.synth.config import DetectionGridConfig, MechanismConfig
from w2sg.synth.detection import METRICS, run_detection_grid
from w2sg.synth.figures import (
    detection_heatmap,
    detection_markdown,
    mechanism_figure,
    write_detection_csv,
)
from w2sg.synth.mechanism import run_mechanism
from w2sg.validate import check_output

synth_app = typer.Typer(
    help="Synthetic data with known overlap: the W2S mechanism and detection quality.",
    no_args_is_help=True,
)


def mechanism_command(cfg: MechanismConfig, out: Path) -> None:
    """Train the strong student on overlap points only; plot its accuracy per true type."""
    check_output(out)
    console = Console()
    with console.status("mechanism runs") as status:
        result = run_mechanism(cfg, lambda d, t: status.update(f"mechanism run {d}/{t}"))
    stem = out / f"mechanism_{cfg.vary}"
    write_json(stem.with_suffix(".json"), result.to_json())
    figures = mechanism_figure(result, stem)
    summary = result.summary()
    table = Table(title=f"student accuracy (mean over {cfg.runs} runs) vs n_{cfg.vary}")
    table.add_column(f"n_{cfg.vary}", justify="right")
    for kind in result.types:
        table.add_column(kind, justify="right")
    for i, count in enumerate(result.counts):
        mark = " (chance)" if result.chance[i] else ""
        table.add_row(f"{count}{mark}", *(f"{summary[k]['mean'][i]:.3f}" for k in result.types))
    console.print(table)
    console.print(f"wrote {stem.with_suffix('.json')}, " + ", ".join(map(str, figures)))


def _short(metric: str) -> str:
    return (
        metric.replace("overlap_", "ov ")
        .replace("_", " ")
        .replace("precision", "P")
        .replace("recall", "R")
    )


def detect_command(cfg: DetectionGridConfig, out: Path) -> None:
    """Precision, recall and F1 of overlap detection where the truth is known, per detector."""
    check_output(out)
    console = Console()
    with console.status("detection grid") as status:
        result = run_detection_grid(cfg, lambda d, t: status.update(f"setting {d}/{t}"))
    stem = out / "detection"
    write_json(stem.with_suffix(".json"), result.to_json())
    write_detection_csv(result, stem.with_suffix(".csv"))
    write_atomic(stem.with_suffix(".md"), lambda tmp: tmp.write_text(detection_markdown(result)))
    figures = detection_heatmap(result, out / "detection_heatmap")
    table = Table(title=f"detection over {len(result.settings)} settings x {cfg.repeats} repeats")
    table.add_column("detector")
    for m in METRICS:
        table.add_column(_short(m), justify="right")
    wins = result.wins() if "reference" in cfg.detectors else {}
    if wins:
        table.add_column("ov F1 vs ref w/t/l", justify="right")
    for name, vals in result.overall().items():
        w = wins.get(name)
        extra = [f"{w['wins']}/{w['ties']}/{w['losses']}"] if w else []
        table.add_row(name, *(f"{vals[m]:.3f}" for m in METRICS), *extra)
    console.print(table)
    console.print(f"wrote {stem}.json/.csv/.md, " + ", ".join(map(str, figures)))


def register(app: typer.Typer) -> None:
    """Add the `synth` command group to the main app."""
    out = (out_option("runs/synth"),)
    synth_app.command("mechanism")(config_command(MechanismConfig, mechanism_command, extras=out))
    synth_app.command("detect")(config_command(DetectionGridConfig, detect_command, extras=out))
    app.add_typer(synth_app, name="synth")
