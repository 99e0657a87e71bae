"""`w2sg run`: the whole data-centric W2S study in one command."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.options import comma_list, dataset_options


def _ints(text: str, what: str) -> tuple[int, ...]:
    """A comma-separated list of seeds, checked (whole, >= 0, distinct) naming the option."""
    from w2sg.validate import seeds

    return seeds(comma_list(text, int, what), what)


def run(
    dataset: str = typer.Option("rotten_tomatoes", help="Dataset name (w2sg data list) or file."),
    weak: str = typer.Option("minilm-l6", help="Weak model: alias, hub id or local path."),
    strong: str = typer.Option("mpnet-base", help="Strong model: alias, hub id or local path."),
    weak_layer: int = typer.Option(-1, help="Weak model layer (hidden_states index)."),
    strong_layer: int = typer.Option(-1, help="Strong model layer (hidden_states index)."),
    pooling: str = typer.Option("auto", help="auto | mean | last | first."),
    max_length: int = typer.Option(None, help="Token limit per text (default: the model's)."),
    dtype: str = typer.Option("auto", help="auto | float32 | bfloat16 | float16."),
    weak_train: int = typer.Option(4000, help="weak_train size (balanced)."),
    strong_train: int = typer.Option(4000, help="strong_train (W2S pool) size (balanced)."),
    val: int = typer.Option(0, help="val size (balanced; unused by probes)."),
    test: int = typer.Option(2760, help="test size (balanced)."),
    seeds: str = typer.Option("0", help="Split seeds, comma-separated."),
    mixing_seeds: str = typer.Option("0,1,2,3,4", help="Mixing-experiment seeds."),
    l2: float = typer.Option(1e-3, help="L2 penalty of the logistic probes."),
    similarity: str = typer.Option("abs_cosine", help="abs_cosine (variant A) | dot (B)."),
    detector: str = typer.Option("reference", help="Overlap detector by name."),
    selection: bool = typer.Option(True, help="Run the data-source selection stage."),
    selection_seeds: str = typer.Option("0,1,2", help="Selection seeds."),
    selection_rounds: int = typer.Option(25, help="Selection rounds T."),
    selection_eval_every: int = typer.Option(
        5, help="Test the probe on the collected data every k rounds (and the last)."
    ),
    selection_estimator: str = typer.Option(
        "reference",
        help="The bandit's overlap estimate: reference (relative, as the paper) | calibrated "
        "(thresholds fixed once from a calibration sample).",
    ),
    text_column: str = typer.Option(None, help="Text column (user files)."),
    label_column: str = typer.Option(None, help="Label column (user files)."),
    label_map: str = typer.Option(None, help="String labels to 0/1, e.g. pos=1,neg=0."),
    source_column: str = typer.Option(None, help="Source column (user files)."),
    data_dir: Path = typer.Option(None, help="Local copy of a literature dataset."),
    weak_supervisor: str = typer.Option(
        "probe", help="probe (the weak model) | labelmodel | majority: a label model on label "
        "functions plays the weak model (SPEC §9)."
    ),
    label_functions: str = typer.Option(
        None, help="Label-function file, or 'sentiment' (shipped); a WRENCH dataset "
        "(wrench:DIR) brings its own."
    ),
    out: Path = typer.Option(Path("runs/study"), help="Output folder."),
) -> None:
    """Cache activations, train weak / student / ceiling, detect overlap, run the mixing
    experiment and the data-source selection; write results.json, figures and summary.md."""
    from rich.console import Console

    from w2sg.experiments.config import StudyConfig
    from w2sg.experiments.study import run_study
    from w2sg.validate import check_output

    options = dataset_options(text_column, label_column, label_map, source_column, data_dir)
    config = StudyConfig(
        dataset=dataset,
        weak_model=weak,
        strong_model=strong,
        weak_layer=weak_layer,
        strong_layer=strong_layer,
        pooling=pooling,
        max_length=max_length,
        dtype=dtype,
        weak_train=weak_train,
        strong_train=strong_train,
        val=val,
        test=test,
        seeds=_ints(seeds, "--seeds"),
        mixing_seeds=_ints(mixing_seeds, "--mixing-seeds"),
        l2=l2,
        similarity=similarity,
        detector=detector,
        selection=selection,
        selection_seeds=_ints(selection_seeds, "--selection-seeds"),
        selection_rounds=selection_rounds,
        selection_eval_every=selection_eval_every,
        selection_estimator=selection_estimator,
        dataset_options=options,
        weak_supervisor=weak_supervisor,
        label_functions=label_functions,
    )
    check_output(out)
    console = Console(stderr=True)
    results = run_study(config, out, log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"))
    r = results
    if r["weak"] is None:
        console.print("[bold red]the probes stage did not run[/]; see summary.md for why")
    else:
        console.print(
            f"[bold]weak[/] {r['weak']['accuracy']:.4f}  [bold]w2s[/] {r['w2s']['accuracy']:.4f}"
            f"  [bold]ceiling[/] {r['ceiling']['accuracy']:.4f}  [bold]PGR[/] "
            + ("n/a" if r["pgr"]["accuracy"] is None else f"{r['pgr']['accuracy']:.3f}")
        )
    console.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
