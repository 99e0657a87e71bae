"""`w2sg interventions`: every probe-based W2S intervention on the same splits (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.options import comma_list
from w2sg.probes.interventions import DEFAULT_INTERVENTIONS


def interventions(
    dataset: str = typer.Option("rotten_tomatoes", help="Dataset name (w2sg data list) or file."),
    weak: str = typer.Option("minilm-l6", help="Weak model: alias, hub id or local path."),
    strong: str = typer.Option("mpnet-base", help="Strong model: alias, hub id or local path."),
    weak_layer: int = typer.Option(-1, help="Weak model layer (hidden_states index)."),
    strong_layer: int = typer.Option(-1, help="The student's layer of the strong model."),
    probe_layer: int = typer.Option(None, help="The probes' layer [the strong model's middle]."),
    use: str = typer.Option(
        ",".join(DEFAULT_INTERVENTIONS),
        "--interventions",
        help="Comma-separated: none, probe:M, filter:M, relabel:M (M = knn|logistic|topo), "
        "confident, overlap, overlap+hard.",
    ),
    k: int = typer.Option(50, help="Neighbours of the kNN and TopoFilter probes."),
    metric: str = typer.Option("euclidean", help="euclidean | cosine (kNN, TopoFilter)."),
    probe_l2: float = typer.Option(1e-2, help="L2 of the logistic probe (intervention)."),
    student_l2: float = typer.Option(1e-3, help="L2 of the weak probe and the student."),
    contamination: float = typer.Option(0.1, help="Fraction removed by filter:M."),
    confident_fraction: float = typer.Option(0.5, help="Fraction kept by `confident`."),
    similarity: str = typer.Option("abs_cosine", help="Overlap similarity: abs_cosine | dot."),
    detector: str = typer.Option("reference", help="Overlap detector by name."),
    pooling: str = typer.Option("auto", help="auto | mean | last | first."),
    max_length: int = typer.Option(None, help="Token limit per text (default: the model's)."),
    dtype: str = typer.Option("auto", help="auto | float32 | bfloat16 | float16."),
    weak_train: int = typer.Option(2000, help="weak_train size (balanced)."),
    strong_train: int = typer.Option(2000, help="strong_train size (balanced)."),
    test: int = typer.Option(1000, help="test size (balanced)."),
    seeds: str = typer.Option("0,1,2", help="Split seeds, comma-separated."),
    out: Path = typer.Option(Path("runs/interventions"), help="Output folder."),
) -> None:
    """Train the probe-mode student on each intervention's training set (same splits and weak
    labels); write results.json, interventions_pgr.png and summary.md."""
    from rich.console import Console

    from w2sg.experiments.interventions import InterventionsConfig, run_interventions
    from w2sg.probes.interventions import InterventionOptions

    config = InterventionsConfig(
        dataset=dataset,
        weak_model=weak,
        strong_model=strong,
        weak_layer=weak_layer,
        strong_layer=strong_layer,
        probe_layer=probe_layer,
        pooling=pooling,
        max_length=max_length,
        dtype=dtype,
        weak_train=weak_train,
        strong_train=strong_train,
        test=test,
        seeds=tuple(comma_list(seeds, int, "--seeds")),
        interventions=tuple(comma_list(use, str, "--interventions")),
        student_l2=student_l2,
        options=InterventionOptions(
            k=k,
            metric=metric,
            probe_l2=probe_l2,
            contamination=contamination,
            confident_fraction=confident_fraction,
            similarity=similarity,
            detector=detector,
        ),
    )
    console = Console(stderr=True)
    run_interventions(config, out, log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"))
    console.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.command("interventions")(interventions)
