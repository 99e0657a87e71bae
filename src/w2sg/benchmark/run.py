"""`w2sg results`: read the benchmark's sweep folders, test every claim, write docs/results.md,
its figures and the HTML report (docs/methods.md#the-benchmark). Glue: the statistics are in
`claims` and `comparisons`, the prose in `sections`, `arm_sections` and `page`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from w2sg import validate
from w2sg.benchmark.choice import choice_blocks
from w2sg.benchmark.claims import Sizes
from w2sg.benchmark.compute import Bench, compute
from w2sg.benchmark.config import ResultsConfig
from w2sg.benchmark.figures import effects_figure, overlap_pgr_figure
from w2sg.benchmark.inputs import SweepData, read_sweep, run_times, sweep_command
from w2sg.benchmark.page import (
    Tier,
    intro_blocks,
    page_blocks,
    short_times,
    tier_blocks,
    time_line,
)
from w2sg.benchmark.sections import Context
from w2sg.benchmark.text import made_by
from w2sg.errors import W2SGError
from w2sg.io import write_atomic
from w2sg.provenance import git_describe
from w2sg.report.blocks import Block, to_markdown
from w2sg.report.html import page_html
from w2sg.stats.pgr import DEFAULT_MARGIN

Log = Callable[[str], None]


@dataclass(frozen=True)
class Written:
    """What `write_results` wrote, and the tiers' times it printed."""

    markdown: Path
    report: Path
    figures: tuple[Path, ...]
    times: tuple[str, ...]


def results_command(config: ResultsConfig) -> str:
    """The `w2sg results` command line that makes this page."""
    parts = ["w2sg results", "--sweeps", ",".join(config.sweeps)]
    if config.finetune:
        parts += ["--finetune", config.finetune]
    if config.gaps:
        parts += ["--gaps", config.gaps]
    parts += ["--out", config.out]
    if config.report:
        parts += ["--report", config.report]
    return " ".join(parts)


def sweep_margin(sweeps: list[SweepData]) -> float:
    """The guard margin the probe sweeps share (one margin for the whole page)."""
    margins = {float(s.config.get("guard_margin", DEFAULT_MARGIN)) for s in sweeps}
    if len(margins) > 1:
        raise W2SGError(
            f"the sweeps use different guard margins ({sorted(margins)}); give --margin"
        )
    return margins.pop()


def _short(commit: str) -> str:
    return commit[:7] + ("+dirty" if commit.endswith("+dirty") else "")


def tier(name: str, sweeps: list[SweepData]) -> Tier:
    """Where one tier's numbers came from (commands, cells, commits, times)."""
    counts: dict[str, int] = {}
    for s in sweeps:
        for entry in s.manifest["cells"].values():
            counts[entry["state"]] = counts.get(entry["state"], 0) + 1
    commands = [sweep_command(s.manifest) for s in sweeps]
    return Tier(
        name,
        tuple(str(s.path) for s in sweeps),
        tuple(c for c in commands if c),
        counts,
        tuple(sorted({_short(c) for s in sweeps for c in s.commits})),
        tuple(run_times(s.manifest.get("runs") or []) for s in sweeps),
        sum(s.train_s for s in sweeps),
    )


# Each effects figure: (its claim, which of the claim's two tables it draws: 0 per task,
# 1 across tasks, its label column, effect, low, high, y label, title, file stem).
EFFECTS = (
    ("mixing", 0, "dataset", "slope", "slope_lo", "slope_hi",
     "test accuracy per unit q", "(a) Mixing slope per task (95% CI)", "mixing_slopes"),
    ("selection", 0, "dataset", "overlap_diff", "overlap_lo", "overlap_hi",
     "overlap share: UCB - random", "(b) Overlap collected, UCB - random", "ucb_minus_random"),
    ("interventions", 1, "arm", "mean_diff", "diff_lo", "diff_hi",
     "test accuracy: arm - none", "(d) Interventions against none", "interventions_vs_plain"),
)  # fmt: skip


def draw(bench: Bench, folder: Path) -> dict[str, str]:
    """The figures (PNG and SVG in `folder`); their PNG paths relative to the page's folder."""
    out: dict[str, list[Path]] = {}
    for claim, table, label, effect, lo, hi, ylabel, title, stem in EFFECTS:
        frame = getattr(bench, claim)[table]
        if len(frame) and frame[effect].notna().any():
            out[claim] = effects_figure(
                list(frame[label]), frame[effect], frame[lo], frame[hi],
                ylabel=ylabel, title=title, out_dir=folder, stem=stem,
            )  # fmt: skip
    points, rank = bench.overlap
    if len(points):
        out["overlap"] = overlap_pgr_figure(points, rank, folder)
    return {k: f"{folder.name}/{paths[0].name}" for k, paths in out.items()}


def _sizes_rule(config: ResultsConfig) -> str:
    return (
        f"A task with fewer than {config.min_seeds} split seeds, {config.min_test} test rows or "
        f"{config.min_strong_train} strong_train rows is flagged as too small and left out of "
        "every claim."
    )


def _write(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _page(
    config: ResultsConfig,
    bench: Bench,
    tiers: list[Tier],
    margin: float,
    figures_dir: Path,
    choice: list[Block],
) -> list[Block]:
    """The page's blocks (its figures drawn into `figures_dir`)."""
    # the checkout's commit; the page's own outputs (a previous run's) do not make it dirty
    describe = git_describe(ignore=(config.out, figures_dir, *filter(None, [config.report])))
    command = results_command(config)
    figures = draw(bench, figures_dir)

    def context(t: Tier) -> Context:
        line = made_by([*t.commands, command], describe, list(t.commits), short_times(t.times))
        return Context(config.alpha, margin, line, figures_dir.name, _sizes_rule(config))

    head = [
        *intro_blocks(_sizes_rule(config), margin),
        *tier_blocks(tiers, describe, command),
        *choice,
    ]
    return page_blocks(
        bench,
        context(tiers[0]),
        context(tiers[1]) if len(tiers) > 1 else None,
        figures,
        head,
        config.finetune_metric,
    )


def write_results(config: ResultsConfig, log: Log = print) -> Written:
    """Test every claim on the sweep folders of `config`; write the page, figures and report.

    Example::

        written = w2sg.write_results(w2sg.ResultsConfig(sweeps=("runs/benchmark",)))
        written.markdown, written.report, written.times  # docs/results.md, the HTML, the times
    """
    validate.instance(config, ResultsConfig, "config", "w2sg.ResultsConfig(...)")
    out = validate.output_file(config.out, "--out")
    report = Path(config.report) if config.report else Path(config.sweeps[0]) / "results.html"
    probe = [read_sweep(p) for p in config.sweeps]  # a bad folder fails before any writing
    finetune = read_sweep(config.finetune) if config.finetune else None
    choice = choice_blocks(config.gaps) if config.gaps else []  # a bad file fails here too
    validate.output_file(report, "--report")
    for data in [*probe, *([finetune] if finetune else [])]:
        if data.table.empty:
            raise W2SGError(
                f"{data.path} holds no finished cell; run its sweep first "
                f"(w2sg sweep CONFIG.yaml --out {data.path})"
            )
    margin = config.margin if config.margin is not None else sweep_margin(probe)
    sizes = Sizes(config.min_seeds, config.min_test, config.min_strong_train)
    bench = compute(
        probe,
        finetune,
        margin=margin,
        sizes=sizes,
        n_resamples=config.bootstrap,
        alpha=config.alpha,
        finetune_metric=config.finetune_metric,
    )
    figures_dir = out.parent / out.stem
    tiers = [tier("probe tier", probe), *([tier("fine-tune tier", [finetune])] if finetune else [])]
    blocks = _page(config, bench, tiers, margin, figures_dir, choice)
    _write(out, to_markdown(blocks))
    report.parent.mkdir(parents=True, exist_ok=True)
    _write(report, page_html(blocks, out.parent))
    times = tuple(
        time_line(f, t) for tr in tiers for f, t in zip(tr.folders, tr.times, strict=True)
    )
    for line in times:
        log(line)
    log(f"wrote {out}, {figures_dir}/ and {report}")
    paths = tuple(sorted(figures_dir.glob("*"))) if figures_dir.is_dir() else ()
    return Written(out, report, paths, times)
