"""`w2sg select`: the data-source bandit of SPEC §5 on a dataset, on its own."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.options import comma_list


def select(
    dataset: str = typer.Option("rotten_tomatoes", help="Dataset name (w2sg data list)."),
    weak: str = typer.Option("minilm-l6", help="Weak model: alias, hub id or local path."),
    strong: str = typer.Option("mpnet-base", help="Strong model: alias, hub id or local path."),
    weak_train: int = typer.Option(600, help="weak_train size (balanced)."),
    pool: int = typer.Option(1200, help="strong_train (unlabelled pool) size (balanced)."),
    test: int = typer.Option(600, help="test size (balanced)."),
    split_seed: int = typer.Option(0, help="Seed of the data splits."),
    arms: str = typer.Option("auto", help="auto | constructed | natural (a source column)."),
    densities: str = typer.Option("0.1,0.9", help="Constructed arms' overlap densities."),
    strategies: str = typer.Option(
        "", help="Comma-separated from ucb (default rule), ucb1, random, oracle; empty = all."
    ),
    seeds: str = typer.Option("0,1,2", help="Bandit seeds (arms and draw order)."),
    rounds: int = typer.Option(25, help="Rounds T."),
    batch_size: int = typer.Option(None, help="Points per pull (default ⌊smallest arm / T⌋)."),
    detection: str = typer.Option(
        "history",
        help="How a batch is detected: history (the reference loop, SPEC §3 variant B with "
        "history) | pooled (batch ∪ collected, re-labelled each round) | batch (variant A).",
    ),
    estimator: str = typer.Option(
        "reference",
        help="What the UCB index counts: reference (the detection rule's overlap, relative) | "
        "calibrated (thresholds fixed once from a calibration sample).",
    ),
    calibration_size: int = typer.Option(
        5000,
        help="Calibrated estimator: Algorithm 1 runs on the whole pool when it has at most "
        "this many points, else on a random sample of this size.",
    ),
    eval_every: int = typer.Option(1, help="Train and test the strong probe every k rounds."),
    l2: float = typer.Option(1e-3, help="L2 penalty of the logistic probes."),
    out: Path = typer.Option(Path("runs/select"), help="Output folder."),
) -> None:
    """Choose data sources that maximise overlap density (SPEC §5, Algorithm 2): write
    selection.json and figures (overlap ratio, test accuracy, pulls per arm, regret)."""
    from rich.console import Console

    from w2sg import validate as v
    from w2sg.data.splits import SplitSizes
    from w2sg.experiments.selection import check_options, select_on_dataset
    from w2sg.selection.estimators import DETECTIONS, ESTIMATORS

    density_list = comma_list(densities, float, "--densities")
    strategy_list = comma_list(strategies, str, "--strategies") or None
    check_options(strategy_list, arms, density_list)
    for name, size in (("--weak-train", weak_train), ("--pool", pool), ("--test", test)):
        v.positive(size, name)
    SplitSizes(weak_train=weak_train, strong_train=pool, val=0, test=test)  # even sizes
    v.seed(split_seed, "--split-seed")
    seed_list = v.seeds(comma_list(seeds, int, "--seeds"), "--seeds")
    v.positive(rounds, "--rounds")
    if batch_size is not None:
        v.positive(batch_size, "--batch-size")
    v.choice(detection, "--detection", DETECTIONS)
    v.choice(estimator, "--estimator", ESTIMATORS)
    v.positive(calibration_size, "--calibration-size")
    v.positive(eval_every, "--eval-every")
    v.l2(l2, "--l2")
    v.check_output(out)
    console = Console(stderr=True)
    stage = select_on_dataset(
        dataset,
        out,
        weak_model=weak,
        strong_model=strong,
        weak_train=weak_train,
        strong_train=pool,
        test=test,
        split_seed=split_seed,
        log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"),
        arms=arms,
        densities=density_list,
        strategies=strategy_list,
        seeds=seed_list,
        rounds=rounds,
        batch_size=batch_size,
        detection=detection,
        estimator=estimator,
        calibration_size=calibration_size,
        eval_every=eval_every,
        l2=l2,
    )
    for name, s in stage["strategies"].items():
        final = s["summary"]["final"]
        parts = [
            f"{k} {final[k]['mean']:.3f}±{final[k]['std']:.3f}"
            for k in ("estimated_ratio", "true_ratio", "accuracy", "overlap_accuracy", "regret")
            if k in final
        ]
        pulls = ", ".join(f"{p:.1f}" for p in s["summary"]["pulls_mean"])
        console.print(f"[bold]{name:7s}[/] {'  '.join(parts)}  pulls [{pulls}]")
    console.print(f"detection {detection}, estimator {estimator}; read: {out / 'selection.json'}")


def register(app: typer.Typer) -> None:
    app.command("select")(select)
