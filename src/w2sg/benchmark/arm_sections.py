"""The sections of docs/results.md that compare students within cells: (c) logconf against
xent (the fine-tune tier) and (d) each intervention against the plain student
(docs/methods.md#the-benchmark)."""

from __future__ import annotations

import pandas as pd

from w2sg.benchmark.sections import Context
from w2sg.benchmark.text import ELEUTHER_PROBES_DIFFER, ci, pm, pval, rule
from w2sg.benchmark.verdicts import ELEUTHER_LOGCONF_VS_XENT, TWO_WAY_RULE, VERDICT_RULE
from w2sg.report.blocks import (
    Block,
    Bold,
    Code,
    Details,
    Figures,
    Heading,
    Inline,
    Paragraph,
    Table,
)

TEST_COLUMNS = ("tasks", "wins", "losses", "mean diff [95% CI]", "t-test p", "Wilcoxon p")


def _per_task_table(per: pd.DataFrame, digits: int = 4) -> Table:
    rows: list[tuple[Inline, ...]] = [
        (
            r["dataset"],
            f"{r['method']}: {r['arm']}",
            str(r["seeds"]),
            pm(r["reference_value"], r["reference_std"], digits),
            pm(r["value"], r["value_std"], digits),
            ci(r["diff"], r["diff_lo"], r["diff_hi"], digits),
            f"{r['seed_wins']} of {r['seeds']}",
        )
        for _, r in per.iterrows()
    ]
    columns: tuple[str, ...] = (
        "task",
        "arm",
        "seeds",
        "plain student (mean ± std)",
        "arm (mean ± std)",
    )
    columns += ("arm − plain [95% CI]",)
    return Table((*columns, "arm above (seeds)"), rows)


def _test_cells(t: pd.Series) -> tuple[str, ...]:
    return (
        str(t["n"]),
        str(t["wins"]),
        str(t["losses"]),
        ci(t["mean_diff"], t["diff_lo"], t["diff_hi"], 4),
        pval(t["t_p"]),
        pval(t["wilcoxon_p"]),
    )


def interventions_blocks(
    per: pd.DataFrame, tests: pd.DataFrame, ctx: Context, metric: str, figure: str | None
) -> list[Block]:
    """(d) Which intervention helps, on how many tasks, with the paired tests both ways."""
    head: list[Block] = [
        Heading(2, "(d) Interventions against the plain student"),
        Paragraph(
            (
                "EleutherAI tested probes, filters and relabelling on frozen activations with "
                "fine-tuned students and reported generally negative results. Here every "
                "intervention trains the probe-mode student (or predicts, for ",
                Code("probe:M"),
                ") on the same splits and weak labels as the plain student ",
                Code("none"),
                f" of its cell; test {metric}, paired over (task, seed), mean per task, then "
                "tested across the tasks the guard and the size rule keep.",
            )
        ),
    ]
    if tests.empty:
        return [*head, Paragraph("No sweep cell ran the interventions.")]
    rows: list[tuple[Inline, ...]] = [
        (
            str(t["arm"]),
            *_test_cells(t),
            pval(t["t_p_less"]),
            f"{t['pair_wins']} of {t['pairs']}",
            Bold(str(t["verdict"])),
        )
        for _, t in tests.iterrows()
    ]
    columns: tuple[str, ...] = (
        "arm (vs none)",
        *TEST_COLUMNS,
        "t-test p (arm < none)",
        "above (task, seed)",
    )
    return [
        *head,
        Table((*columns, "verdict"), rows),
        ctx.made_by,
        Paragraph(
            "Wins and losses count tasks where the arm's mean over seeds is above or below the "
            "plain student's; the t-test and Wilcoxon p are one-sided (arm > none) over tasks."
        ),
        rule(TWO_WAY_RULE, ctx.alpha),
        *([Figures((figure,), ("interventions minus plain student",))] if figure else []),
        Details("Per task and arm", (_per_task_table(per),)),
        Paragraph(ELEUTHER_PROBES_DIFFER),
    ]


def _published_row() -> tuple:
    ref = ELEUTHER_LOGCONF_VS_XENT
    return (
        "EleutherAI (published)",
        str(ref.datasets),
        str(ref.wins),
        str(ref.datasets - ref.wins),
        "not published",
        f"{ref.t_p:.3f}",
        f"{ref.wilcoxon_p:.3f}",
        "",
    )


FINETUNE_MISSING = (
    "The fine-tune tier has not been run, so this page has no numbers for (c). Make it with ",
    Code("make results-finetune"),
    " (it sweeps ",
    Code("configs/benchmark-finetune.yaml"),
    " into ",
    Code("runs/benchmark-finetune"),
    " and regenerates this page with it); it costs hours on 2 CPU cores and resumes after a kill.",
)


def _too_small(small: pd.DataFrame) -> list[Block]:
    """The tasks and methods the size rule leaves out, with the reason."""
    if small.empty:
        return []
    items = [f"{r['dataset']}, {r['method']}: {r['size_note']}" for _, r in small.iterrows()]
    return [Paragraph("Too small to count, left out: " + "; ".join(items) + ".")]


def logconf_blocks(
    per: pd.DataFrame | None,
    tests: pd.DataFrame | None,
    ctx: Context | None,
    metric: str,
    small: pd.DataFrame,
) -> list[Block]:
    """(c) logconf against xent per task and across tasks, beside EleutherAI's numbers."""
    ref = ELEUTHER_LOGCONF_VS_XENT
    head: list[Block] = [
        Heading(2, "(c) Fine-tune tier: logconf against xent"),
        Paragraph(
            f"Published claim: {ref.claim} on {ref.wins} of {ref.datasets} datasets, one-sided "
            f"paired t-test p = {ref.t_p}, Wilcoxon p = {ref.wilcoxon_p} ({ref.metric}; "
            f"{ref.setting}). Source: {ref.source}."
        ),
    ]
    if per is None or tests is None or ctx is None:
        return [*head, Paragraph(FINETUNE_MISSING)]
    if tests.empty:
        none = Paragraph("The fine-tune tier has no large enough cells with logconf and xent.")
        return [*head, none, *_too_small(small)]
    rows: list[tuple[Inline, ...]] = [
        (f"w2sg: {t['method']}", *_test_cells(t), Bold(str(t["verdict"])))
        for _, t in tests.iterrows()
    ]
    return [
        *head,
        Paragraph(
            f"Each fine-tune cell trains both students on the same weak labels; test {metric}, "
            "paired over (task, seed), mean per task, then tested across tasks."
        ),
        Table(("comparison", *TEST_COLUMNS, "verdict"), [*rows, _published_row()]),
        _per_task_table(per),
        ctx.made_by,
        *_too_small(small),
        rule(VERDICT_RULE, ctx.alpha),
        Paragraph(
            "What differs from the published setting: LoRA fine-tuning of MiniLM-L6 (weak) and "
            "MPNet-base (strong), encoders of 23M and 110M parameters, where EleutherAI "
            "fine-tuned LLMs of 0.5B to 8B; a few tasks and 3 seeds (the fine-tune tier costs "
            "hours on 2 CPU cores) where they used 21 datasets; splits of hundreds of rows where "
            "theirs held thousands. The eleuther preset takes their training settings "
            "(docs/fidelity.md)."
        ),
    ]
