"""`w2sg probes sweep`: layers x k x L2 of the probes, as the EleutherAI study's heat-map."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.options import comma_list

probes_app = typer.Typer(help="Probes on frozen activations (SPEC §7).", no_args_is_help=True)


@probes_app.command("sweep")
def sweep(
    dataset: str = typer.Option("rotten_tomatoes", help="Dataset name (w2sg data list) or file."),
    weak: str = typer.Option("minilm-l6", help="Weak model: alias, hub id or local path."),
    strong: str = typer.Option("mpnet-base", help="Strong model: alias, hub id or local path."),
    layers: str = typer.Option("", help="Strong layers, comma-separated [all but embeddings]."),
    ks: str = typer.Option("10,50,200", help="k values (kNN, TopoFilter)."),
    l2s: str = typer.Option("1e-4,1e-2,1", help="L2 values (logistic)."),
    probes: str = typer.Option("knn,logistic,topo", help="Probes to sweep."),
    metric: str = typer.Option("euclidean", help="euclidean | cosine (kNN, TopoFilter)."),
    pooling: str = typer.Option("auto", help="auto | mean | last | first."),
    max_length: int = typer.Option(None, help="Token limit per text (default: the model's)."),
    dtype: str = typer.Option("auto", help="auto | float32 | bfloat16 | float16."),
    weak_train: int = typer.Option(2000, help="weak_train size (balanced)."),
    strong_train: int = typer.Option(2000, help="strong_train size (balanced)."),
    test: int = typer.Option(1000, help="test size (balanced)."),
    seeds: str = typer.Option("0", help="Split seeds, comma-separated."),
    out: Path = typer.Option(Path("runs/probes_sweep"), help="Output folder."),
) -> None:
    """Probe test AUC minus the weak labels' test AUC per layer and parameter (heat-maps)."""
    from rich.console import Console

    from w2sg.experiments.interventions import SweepConfig, run_probe_sweep

    config = SweepConfig(
        dataset=dataset,
        weak_model=weak,
        strong_model=strong,
        layers=tuple(comma_list(layers, int, "--layers")),
        ks=tuple(comma_list(ks, int, "--ks")),
        l2s=tuple(comma_list(l2s, float, "--l2s")),
        probes=tuple(comma_list(probes, str, "--probes")),
        metric=metric,
        pooling=pooling,
        max_length=max_length,
        dtype=dtype,
        weak_train=weak_train,
        strong_train=strong_train,
        test=test,
        seeds=tuple(comma_list(seeds, int, "--seeds")),
    )
    console = Console(stderr=True)
    run_probe_sweep(config, out, log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"))
    console.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.add_typer(probes_app, name="probes")
