"""`w2sg sweep CONFIG.yaml`: a grid of datasets x pairs x methods x seeds, resumable."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.build import Extra, config_command, out_option
from w2sg.cli.output import console, logger
from w2sg.sweep.executors import ExecutorOptions
from w2sg.sweep.grid import Cell, check_names, load_sweep, plan_cells
from w2sg.sweep.manifest import Manifest, cells_to_run
from w2sg.validate import check_output


def _dry_run(folder: Path, cfg, cells: list[Cell], retry_failed: bool) -> None:
    """Each cell, its state and whether a run would run it."""
    manifest = Manifest.load(folder / "manifest.json", cfg, cells) if folder.exists() else None
    todo = {c.id for c in cells_to_run(manifest, cells, retry_failed)} if manifest else None
    for c in cells:
        state = manifest.cell(c.id)["state"] if manifest else "pending"
        action = "run" if todo is None or c.id in todo else "skip"
        typer.echo(f"{action:4}  {state:8}  {c.id}")
    typer.echo(f"{len(cells)} cells; {len(todo) if todo is not None else len(cells)} to run")


def sweep(
    options: ExecutorOptions, config: Path, out: Path | None, dry_run: bool, retry_failed: bool
) -> None:
    """Run every unfinished cell (finished ones are skipped), then write table.parquet/.csv,
    statistics.json, summary.md, figures and report.html into the sweep folder."""
    cfg = load_sweep(config)
    check_names(cfg)
    cells = plan_cells(cfg)  # every cell's config is validated here, before any work
    folder = out or Path("runs/sweeps") / cfg.name
    if dry_run:
        _dry_run(folder, cfg, cells, retry_failed)
        return
    from w2sg.sweep.run import run_sweep  # heavy: the methods load torch and the models

    check_output(folder)
    shown = console()
    result = run_sweep(
        cfg,
        folder,
        executor=options.executor(cfg.workers),
        retry_failed=retry_failed,
        check=False,
        log=logger(shown),
    )
    shown.print(
        f"{result.ran} cell(s) run, {result.skipped} skipped in {result.total_s:.1f}s "
        f"(warm-up {result.warm_s:.1f}s, cells {result.cells_s:.1f}s)"
    )
    shown.print(f"read first: {folder / 'summary.md'} or {folder / 'report.html'}")
    if result.counts.get("failed"):
        shown.print(
            f"[red]{result.counts['failed']} cell(s) failed[/]: see manifest.json; "
            "rerun with --retry-failed"
        )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    extras = (
        Extra(
            "config", Path, ..., (), "Sweep file (YAML), e.g. configs/offline.yaml.", argument=True
        ),
        out_option(None, "Sweep folder (default: runs/sweeps/<name>)."),
        Extra("dry_run", bool, False, ("--dry-run",), "List the cells and their state."),
        Extra("retry_failed", bool, False, ("--retry-failed",), "Run failed cells again."),
    )
    app.command("sweep")(config_command(ExecutorOptions, sweep, extras=extras))
