"""`w2sg sweep CONFIG.yaml`: a grid of datasets x pairs x methods x seeds, resumable."""

from __future__ import annotations

from pathlib import Path

import typer


def sweep(
    config: Path = typer.Argument(..., help="Sweep file (YAML), e.g. configs/offline.yaml."),
    out: Path = typer.Option(None, help="Sweep folder (default: runs/sweeps/<name>)."),
    workers: int = typer.Option(None, help="Local worker processes (default: the file's, "
                                "else the number of cores)."),
    ray: str = typer.Option(None, help="Run cells as Ray tasks: 'auto' starts a local Ray, "
                            "or give a cluster ADDRESS."),
    ray_cpus: int = typer.Option(None, help="CPUs of a local Ray started with --ray auto."),
    max_retries: int = typer.Option(3, help="Ray: retries of a cell whose worker was lost."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the cells and their state."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run failed cells again."),
) -> None:
    """Run every unfinished cell (finished ones are skipped), then write table.parquet/.csv,
    statistics.json, summary.md, figures and report.html into the sweep folder."""
    from rich.console import Console

    from w2sg.errors import W2SGError
    from w2sg.experiments.executors import LocalExecutor, RayExecutor
    from w2sg.experiments.sweep import (
        Manifest,
        cells_to_run,
        check_names,
        load_sweep,
        plan_cells,
        run_sweep,
    )

    console = Console(stderr=True)
    cfg = load_sweep(config)
    check_names(cfg)
    cells = plan_cells(cfg)  # every cell's config is validated here, before any work
    folder = out or Path("runs/sweeps") / cfg.name
    if workers is not None and ray is not None:
        raise W2SGError("give either --workers (local) or --ray, not both")
    if dry_run:
        manifest = Manifest.open(folder / "manifest.json", cfg, cells) if folder.exists() else None
        todo = {c.id for c in cells_to_run(manifest, cells, retry_failed)} if manifest else None
        for c in cells:
            state = manifest.cell(c.id)["state"] if manifest else "pending"
            action = "run" if todo is None or c.id in todo else "skip"
            typer.echo(f"{action:4}  {state:8}  {c.id}")
        typer.echo(f"{len(cells)} cells; {len(todo) if todo is not None else len(cells)} to run")
        return
    executor = (
        RayExecutor(ray, num_cpus=ray_cpus, max_retries=max_retries)
        if ray is not None
        else LocalExecutor(workers if workers is not None else cfg.workers)
    )
    result = run_sweep(cfg, folder, executor=executor, retry_failed=retry_failed, check=False,
                       log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"))  # fmt: skip
    console.print(
        f"{result.ran} cell(s) run, {result.skipped} skipped in {result.total_s:.1f}s "
        f"(warm-up {result.warm_s:.1f}s, cells {result.cells_s:.1f}s)"
    )
    console.print(f"read first: {folder / 'summary.md'} or {folder / 'report.html'}")
    if result.counts.get("failed"):
        console.print(f"[red]{result.counts['failed']} cell(s) failed[/]: see manifest.json; "
                      "rerun with --retry-failed")  # fmt: skip
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
