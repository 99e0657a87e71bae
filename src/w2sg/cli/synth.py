"""`w2sg synth mechanism | detect`: experiments on synthetic data with known overlap (SPEC §6)."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.errors import W2SGError

synth_app = typer.Typer(
    help="Synthetic data with known overlap: the W2S mechanism and detection quality.",
    no_args_is_help=True,
)


def _numbers(text: str, name: str, kind: type = float) -> tuple:
    """'0,5,10' -> (0, 5, 10); 'a:b:s' -> range(a, b, s) for integers."""
    try:
        if kind is int and text.count(":") == 2:
            start, stop, step = (int(v) for v in text.split(":"))
            return tuple(range(start, stop, step))
        return tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise W2SGError(f"--{name}: expected numbers separated by commas, got {text!r}") from None


def _proportions(text: str) -> tuple[tuple[float, float, float], ...]:
    out = []
    for part in text.split(";"):
        shares = _numbers(part, "proportions")
        if len(shares) != 3:
            raise W2SGError(f"--proportions: each entry is easy,hard,overlap shares; got {part!r}")
        out.append((shares[0], shares[1], shares[2]))
    return tuple(out)


@synth_app.command("mechanism")
def mechanism_command(
    vary: str = typer.Option("overlap", help="The count on the x axis: overlap, easy_only, "
                             "hard_only."),
    counts: str = typer.Option("0:100:5", help="Counts to try: 'a,b,c' or 'start:stop:step'."),
    runs: int = typer.Option(50, help="Runs per count (the reference uses 500)."),
    n_easy_only: int = typer.Option(100, help="Easy-only points (when not varied)."),
    n_hard_only: int = typer.Option(100, help="Hard-only points (when not varied)."),
    n_overlap: int = typer.Option(10, help="Overlap points (when not varied)."),
    n_test: int = typer.Option(200, help="Test points per type."),
    noise: float = typer.Option(5.0 ** 0.5, help="Noise std in a block with signal."),
    absent_noise: float = typer.Option(0.0, help="Noise std in a block a point lacks."),
    easy_signal: float = typer.Option(1.0, help="Strength of the easy block's signal."),
    hard_signal: float = typer.Option(1.0, help="Strength of the hard block's signal."),
    student_c: float = typer.Option(
        0.01, "--student-c", help="The student's regularisation as sklearn's C (reference 0.01)."
    ),
    seed: int = typer.Option(0, help="Seed of the whole experiment."),
    out: Path = typer.Option(Path("runs/synth"), help="Output folder."),
) -> None:
    """Train the strong student on overlap points only; plot its accuracy per true type."""
    from rich.console import Console
    from rich.table import Table

    from w2sg.experiments.synth import MechanismConfig, check_mechanism, run_mechanism
    from w2sg.io import write_json
    from w2sg.report.synth_figures import mechanism_figure
    from w2sg.validate import check_output

    cfg = MechanismConfig(
        vary=vary, counts=_numbers(counts, "counts", int), n_easy_only=n_easy_only,
        n_hard_only=n_hard_only, n_overlap=n_overlap, n_test=n_test, runs=runs, noise=noise,
        absent_noise=absent_noise, easy_signal=easy_signal, hard_signal=hard_signal,
        student_c=student_c, seed=seed,
    )
    check_mechanism(cfg)
    check_output(out)
    console = Console()
    with console.status("mechanism runs") as status:
        result = run_mechanism(cfg, lambda d, t: status.update(f"mechanism run {d}/{t}"))
    stem = out / f"mechanism_{vary}"
    write_json(stem.with_suffix(".json"), result.to_json())
    figures = mechanism_figure(result, stem)
    summary = result.summary()
    table = Table(title=f"student accuracy (mean over {runs} runs) vs n_{vary}")
    table.add_column(f"n_{vary}", justify="right")
    for kind in result.types:
        table.add_column(kind, justify="right")
    for i, count in enumerate(result.counts):
        mark = " (chance)" if result.chance[i] else ""
        table.add_row(f"{count}{mark}", *(f"{summary[k]['mean'][i]:.3f}" for k in result.types))
    console.print(table)
    console.print(f"wrote {stem.with_suffix('.json')}, " + ", ".join(map(str, figures)))


@synth_app.command("detect")
def detect_command(
    detectors: str = typer.Option("reference,knn,mean", help="Detectors to compare "
                                  "(reference, knn, knn:K, mean)."),
    seeds: int = typer.Option(3, help="Seeds per setting."),
    absent_noise: str = typer.Option("0,0.5,1.5", help="Noise std in a block a point lacks."),
    easy_signal: str = typer.Option("1,2,4", help="Strengths of the easy block's signal."),
    hard_signal: str = typer.Option("1,2,4", help="Strengths of the hard block's signal."),
    proportions: str = typer.Option("0.3333,0.3333,0.3334;0.45,0.45,0.1;0.2,0.2,0.6",
                                    help="easy,hard,overlap shares; settings split by ';'."),
    pool_size: str = typer.Option("150,900", help="Pool sizes."),
    noise: float = typer.Option(5.0 ** 0.5, help="Noise std in a block with signal."),
    seed: int = typer.Option(0, help="Seed of the whole grid."),
    out: Path = typer.Option(Path("runs/synth"), help="Output folder."),
) -> None:
    """Precision, recall and F1 of overlap detection where the truth is known, per detector."""
    from rich.console import Console
    from rich.table import Table

    from w2sg.experiments.synth import (
        METRICS,
        DetectionGridConfig,
        check_grid,
        run_detection_grid,
    )
    from w2sg.io import write_atomic, write_json
    from w2sg.report.synth_figures import (
        detection_heatmap,
        detection_markdown,
        write_detection_csv,
    )
    from w2sg.validate import check_output

    cfg = DetectionGridConfig(
        absent_noise=_numbers(absent_noise, "absent-noise"),
        easy_signal=_numbers(easy_signal, "easy-signal"),
        hard_signal=_numbers(hard_signal, "hard-signal"),
        proportions=_proportions(proportions), pool_size=_numbers(pool_size, "pool-size", int),
        seeds=seeds, detectors=tuple(d.strip() for d in detectors.split(",") if d.strip()),
        noise=noise, seed=seed,
    )
    check_grid(cfg)
    check_output(out)
    console = Console()
    with console.status("detection grid") as status:
        result = run_detection_grid(cfg, lambda d, t: status.update(f"setting {d}/{t}"))
    stem = out / "detection"
    write_json(stem.with_suffix(".json"), result.to_json())
    write_detection_csv(result, stem.with_suffix(".csv"))
    write_atomic(stem.with_suffix(".md"), lambda tmp: tmp.write_text(detection_markdown(result)))
    figures = detection_heatmap(result, out / "detection_heatmap")
    table = Table(title=f"detection over {len(result.settings)} settings x {seeds} seeds")
    table.add_column("detector")
    for m in METRICS:
        table.add_column(m.replace("overlap_", "ov ").replace("_", " ")
                         .replace("precision", "P").replace("recall", "R"), justify="right")
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
    app.add_typer(synth_app, name="synth")
