"""docs/results.md as one list of report blocks: the fixed introduction, how the tables were
made (commands, commits, cold and cached times), then every section
(docs/methods.md#the-benchmark)."""

from __future__ import annotations

from dataclasses import dataclass

from w2sg.benchmark.arm_sections import interventions_blocks, logconf_blocks
from w2sg.benchmark.compute import Bench
from w2sg.benchmark.inputs import RunTimes
from w2sg.benchmark.sections import (
    Context,
    headline_blocks,
    mixing_blocks,
    overlap_blocks,
    selection_blocks,
    weak_supervision_blocks,
)
from w2sg.report.blocks import Block, Bullets, Code, Heading, Inline, Link, Paragraph


@dataclass(frozen=True)
class Tier:
    """Where one tier's numbers came from: its sweep commands, cell counts, commits, times."""

    name: str
    folders: tuple[str, ...]
    commands: tuple[str, ...]
    counts: dict[str, int]
    commits: tuple[str, ...]
    times: tuple[RunTimes, ...]
    train_s: float = 0.0  # the training time its cells' stages record (0: none recorded)


def duration(seconds: float | None) -> str:
    """'1 h 02 min', '3 min 05 s' or '42.0 s'."""
    if seconds is None:
        return "not measured"
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{seconds:.1f} s"


def time_line(folder: str, t: RunTimes) -> str:
    """The cold and the cached time of one sweep folder, in words."""
    if t.cold_s is None:
        cold = "cold time not recorded (the sweep ran before w2sg recorded run times)"
    else:
        killed = f", {t.cold_unfinished} of them stopped early" if t.cold_unfinished else ""
        warm = (
            f"; {duration(t.cold_warm_s)} of it warm-ups (the activations, extracted or read "
            "from the store: short when the store already held them)"
            if t.cold_warm_s  # not recorded, or a method without warm-ups (fine-tune): none
            else ""
        )
        cold = (
            f"cold {duration(t.cold_s)} ({t.cold_runs} run(s) computing {t.cold_cells} cells"
            f"{killed}; first started {t.first_started}{warm})"
        )
    cached = (
        f"cached rerun {duration(t.cached_s)} ({t.cached_started})"
        if t.cached_s is not None
        else "no cached rerun yet (run the command again)"
    )
    return f"{folder}: {cold}; {cached}"


def short_times(times: tuple[RunTimes, ...]) -> str:
    """'sweep cold 3 h 10 min, cached 41.2 s' (summed over a tier's folders)."""
    cold = [t.cold_s for t in times if t.cold_s is not None]
    cached = [t.cached_s for t in times if t.cached_s is not None]
    both = len(cached) == len(times) and bool(times)
    return (
        f"sweep cold {duration(sum(cold)) if cold else 'not recorded'}, "
        f"cached {duration(sum(cached)) if both else 'not yet run'}"
    )


def intro_blocks(sizes_rule: str, margin: float) -> list[Block]:
    """The fixed introduction: what the page is, how to read it, where the rest is."""
    return [
        Heading(1, "Results"),
        Paragraph(
            (
                "This page is generated, entirely, by ",
                Code("make results"),
                " (",
                Code("w2sg results"),
                "): rerun it rather than editing the page. It tests the literature's "
                "cross-dataset claims on the offline tasks. Results measured by hand (single "
                "studies, speed, fine-tune runs) are in ",
                Link("measurements.md", "measurements.md"),
                "; what each method does and how each statistic below is computed is in ",
                Link("methods.md", "methods.md#the-benchmark"),
                ".",
            )
        ),
        Paragraph(
            "Every number carries its uncertainty: a mean over split seeds ± its standard "
            "deviation, or a 95 % percentile bootstrap interval in brackets. PGR follows the one "
            f"rule: none where ceiling − weak is below {margin:g}. {sizes_rule} Every choice of "
            "the benchmark (weak model per task, sizes, margins) was made on the val split, "
            "never on test."
        ),
    ]


def tier_blocks(tiers: list[Tier], describe: str | None, results_command: str) -> list[Block]:
    """How the tables were made: per tier its sweep commands, cells, commits and times."""
    items: list = []
    for tier in tiers:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(tier.counts.items()))
        commands: list[Inline] = [Code(c) for c in tier.commands] or ["(command not recorded)"]
        items.append((f"{tier.name}: ", *commands, f" ({counts} cells)."))
        items += [time_line(f, t) for f, t in zip(tier.folders, tier.times, strict=True)]
        if tier.train_s > 0:
            items.append(
                f"the cells' trained stages record {duration(tier.train_s)} of training; a cell "
                "whose stages the stage cache already held (the same model, data, settings and "
                "seed, trained by an earlier command) reads them instead, so the cold time above "
                "can be shorter"
            )
        items.append(f"cells computed at commit(s) {', '.join(tier.commits) or 'unknown'}")
    items.append(("this page: ", Code(results_command), f" at {describe or 'unknown commit'}"))
    return [Heading(2, "How these tables were made"), Bullets(items)]


def page_blocks(
    bench: Bench,
    ctx: Context,
    finetune_ctx: Context | None,
    figures: dict[str, str],
    head: list[Block],
    finetune_metric: str,
) -> list[Block]:
    """The whole page: introduction and provenance (`head`), the headline, then (a)-(e)."""
    per_ft, tests_ft = bench.logconf if bench.logconf is not None else (None, None)
    main = bench.head[bench.head["method"] == bench.method] if len(bench.head) else bench.head
    return [
        *head,
        *headline_blocks(bench.head, bench.w2s_test, bench.pgr_interval, ctx),
        *mixing_blocks(*bench.mixing, ctx, figures.get("mixing")),
        *selection_blocks(*bench.selection, ctx, figures.get("selection")),
        *logconf_blocks(per_ft, tests_ft, finetune_ctx, finetune_metric, bench.logconf_small),
        *interventions_blocks(*bench.interventions, ctx, "accuracy", figures.get("interventions")),
        *overlap_blocks(*bench.overlap, ctx, figures.get("overlap")),
        *weak_supervision_blocks(bench.weak_supervision, ctx),
        Paragraph(
            f"The headline's across-task lines and claims (a), (b) and (e) read the study method "
            f"{bench.method!r} ({len(main)} task(s)); (d) reads the interventions on the tasks "
            "it keeps (the gap guard and the size rule)."
        ),
    ]
