"""`w2sg data list | show | get`: what datasets exist, what one looks like, installing them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from w2sg import validate
from w2sg.cli.build import Extra, config_command
from w2sg.data import list_datasets, load_dataset
from w2sg.data.install import install, installed_version
from w2sg.data.offline import OFFLINE
from w2sg.data.options import DataOptions
from w2sg.errors import W2SGError

data_app = typer.Typer(
    help="Datasets: list them, look inside one, install what the offline ones need.",
    no_args_is_help=True,
)


@data_app.command("list")
def list_command() -> None:
    """List the named datasets: offline (from a package) and literature tasks (from the hub)."""

    table = Table(title="w2sg datasets (or give a .csv/.tsv/.jsonl/.parquet file)")
    for col in ("name", "kind", "installed", "rows", "description"):
        table.add_column(
            col, justify="right" if col == "rows" else "left", no_wrap=col != "description"
        )
    for info in list_datasets():
        table.add_row(
            info.name,
            info.kind,
            "yes" if info.installed else "no",
            "" if info.rows is None else f"{info.rows:,}",
            escape(info.description),
        )
    Console().print(table)


def show_command(options: DataOptions, name: str, examples: int, seed: int) -> None:
    """Show a dataset's size, label balance, sources and a few example rows."""
    validate.whole(examples, "--examples", low=0)
    validate.seed(seed, "--seed")
    ds = load_dataset(name, seed=seed, **options.load_kwargs())
    console = Console()
    counts = ds.label_counts()
    total = max(len(ds), 1)
    summary = Table(title=escape(ds.name), show_header=False)
    summary.add_row("rows", f"{len(ds):,}")
    summary.add_row("label 0", f"{counts[0]:,} ({counts[0] / total:.1%})")
    summary.add_row("label 1", f"{counts[1]:,} ({counts[1] / total:.1%})")
    for source, n in ds.source_counts().items():
        summary.add_row(f"source {escape(source)}", f"{n:,}")
    for key in ("label", "origin", "licence"):
        if ds.meta.get(key):
            summary.add_row(key, escape(str(ds.meta[key])))
    console.print(summary)
    rows = np.random.default_rng(seed).permutation(len(ds))[: max(examples, 0)]
    sample = Table(title="examples")
    for col in ("id", "label", "source", "text"):
        sample.add_column(col)
    for i in sorted(rows):
        text = str(ds.texts[i])
        source = "" if ds.sources is None else str(ds.sources[i])
        sample.add_row(
            escape(str(ds.ids[i])),
            str(ds.labels[i]),
            escape(source),
            escape(text if len(text) <= 160 else text[:157] + "..."),
        )
    if len(rows):
        console.print(sample)


@data_app.command("get")
def get_command(
    names: list[str] = typer.Argument(..., help="Offline dataset names, or `all`."),
    sdist: Path = typer.Option(
        None, help="VADER only: a local vaderSentiment-3.3.2.tar.gz instead of downloading."
    ),
) -> None:
    """Install what offline datasets need (pip packages, or the VADER files into the cache)."""

    if sdist is not None and not sdist.is_file():
        raise W2SGError(f"--sdist {sdist} is not a file; give the vaderSentiment-3.3.2.tar.gz")
    wanted = list(OFFLINE) if "all" in names else list(dict.fromkeys(names))
    literature = {i.name for i in list_datasets() if i.kind == "literature"}
    unknown = [n for n in wanted if n not in OFFLINE and n not in literature]
    if unknown:
        raise W2SGError(
            f"unknown dataset {unknown[0]!r}; `w2sg data get` takes offline names or `all` "
            "(see `w2sg data list`)"
        )
    done: set[str] = set()
    for name in wanted:
        if name in literature:
            typer.echo(f"{name}: nothing to install (loads from the hub, or --data-dir)")
            continue
        req = OFFLINE[name].requirement
        if req.pin not in done:
            changed = install(req, sdist=sdist if req.kind == "vader" else None)
            done.add(req.pin)
            state = "installed" if changed else "already installed"
            typer.echo(f"{name}: {req.package} {installed_version(req)} {state}")
        else:
            typer.echo(f"{name}: {req.package} ready")


def register(app: typer.Typer) -> None:
    """Add the `data` command group to the main app."""
    extras = (
        Extra(
            "name", str, ..., (), "Dataset name (see `w2sg data list`) or file path.", argument=True
        ),
        Extra("examples", int, 5, ("--examples",), "How many example rows to print."),
        Extra(
            "seed",
            int,
            0,
            ("--seed",),
            "Seed of a literature task's answers and of the examples shown.",
        ),
    )
    data_app.command("show")(config_command(DataOptions, show_command, extras=extras))
    app.add_typer(data_app, name="data")
