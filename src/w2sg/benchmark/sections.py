"""The probe tier's sections of docs/results.md as report blocks: the headline per task, weak
supervision, (a) mixing, (b) selection, (e) overlap against PGR
(docs/methods.md#the-benchmark)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2sg.benchmark.claims import Across, RankCorrelation
from w2sg.benchmark.text import OVERLAP_PAPER_DIFFERS, across_sentence, ci, p_is, pm, rule
from w2sg.benchmark.verdicts import VERDICT_RULE
from w2sg.report.blocks import Block, Bold, Code, Figures, Heading, Inline, Link, Paragraph, Table
from w2sg.stats.paired import PairedTest


@dataclass(frozen=True)
class Context:
    """What every section shows beside its numbers: the rules' parameters, the line naming
    the commands and commits, and where its figures are (relative to the page)."""

    alpha: float
    margin: float
    made_by: Paragraph
    figures: str  # folder of the figures, relative to the page
    sizes: str  # the size rule, in words


def _task(r: pd.Series) -> str:
    return f"{r['dataset']} ({r['weak_model']} → {r['strong_model']})"


def _note(r: pd.Series) -> str:
    """Why a row is out, once: a task the guard excludes already names its gap, so the PGR of
    its means (which fails on the same gap) is not repeated."""
    keys = ("note", "size_note") if r.get("guarded") else ("note", "pgr_reason", "size_note")
    parts = [str(r.get(k) or "") for k in keys]
    if r.get("too_small"):
        parts.insert(0, "too small: not a result")
    return "; ".join(dict.fromkeys(p for p in parts if p))


def headline_table(head: pd.DataFrame) -> Table:
    """Accuracy per task: weak, W2S, ceiling (mean ± std over seeds), gap and PGR with their
    intervals, W2S's wins over weak; rows the guard or the size rule leave out are greyed."""
    rows: list[tuple[Inline, ...]] = [
        (
            _task(r),
            str(r["method"]),
            str(r["n_seeds"]),
            pm(r["weak"], r["weak_std"]),
            pm(r["w2s"], r["w2s_std"]),
            pm(r["ceiling"], r["ceiling_std"]),
            ci(r["gap"], r["gap_lo"], r["gap_hi"]),
            ci(r["pgr_mean"], r["pgr_lo"], r["pgr_hi"], 2),
            f"{r['w2s_wins']} of {r['n_seeds']}",
            _note(r),
        )
        for _, r in head.iterrows()
    ]
    columns: tuple[str, ...] = ("task (weak → strong)", "method", "seeds", "weak", "W2S", "ceiling")
    columns += ("gap [95% CI]", "PGR [95% CI]", "W2S > weak (seeds)", "note")
    return Table(columns, rows, guarded=[not k for k in head["kept"]])


def auc_table(head: pd.DataFrame) -> Table:
    """ROC AUC per task: weak, W2S, ceiling (mean ± std over seeds) and PGR on AUC with its
    interval."""
    rows: list[tuple[Inline, ...]] = [
        (
            _task(r),
            str(r["method"]),
            pm(r["weak_auc"], r["weak_auc_std"]),
            pm(r["w2s_auc"], r["w2s_auc_std"]),
            pm(r["ceiling_auc"], r["ceiling_auc_std"]),
            ci(r["pgr_mean_auc"], r["pgr_lo_auc"], r["pgr_hi_auc"], 2),
        )
        for _, r in head.iterrows()
    ]
    columns: tuple[str, ...] = (
        "task (weak → strong)",
        "method",
        "weak AUC",
        "W2S AUC",
        "ceiling AUC",
    )
    return Table((*columns, "PGR (AUC) [95% CI]"), rows, guarded=[not k for k in head["kept"]])


def headline_blocks(head: pd.DataFrame, w2s_test: PairedTest, pgr_ci: tuple, ctx: Context):
    """The headline: per task, then W2S against weak and PGR across the kept tasks."""
    kept = head[head["kept"]]
    lo, hi = pgr_ci
    return [
        Heading(2, "Headline: weak, W2S and ceiling per task"),
        Paragraph(
            "Test accuracy, mean ± standard deviation over split seeds; the gap (ceiling − weak) "
            "and PGR with 95 % bootstrap intervals over seeds. PGR follows the one rule: a seed "
            f"whose ceiling − weak is below {ctx.margin:g} has none, and a task whose mean gap is "
            f"below it is excluded (greyed). {ctx.sizes}"
        ),
        headline_table(head),
        auc_table(head),
        ctx.made_by,
        Paragraph(
            f"Across the {len(kept)} tasks kept: PGR mean "
            f"{ci(kept['pgr_mean'].mean() if len(kept) else None, lo, hi, 2)} (interval over "
            f"tasks); W2S beats weak on {w2s_test.wins} of {w2s_test.n} (one-sided paired t-test "
            f"{p_is(w2s_test.t_p)}, Wilcoxon {p_is(w2s_test.wilcoxon_p)})."
        ),
    ]


def weak_supervision_blocks(head: pd.DataFrame, ctx: Context) -> list[Block]:
    """The label model in place of the weak model, on the tasks with label functions."""
    if head.empty:
        return [
            Heading(2, "Weak supervision: a label model as the weak supervisor"),
            Paragraph("No sweep cell ran a label-model supervisor."),
        ]
    return [
        Heading(2, "Weak supervision: a label model as the weak supervisor"),
        Paragraph(
            (
                "Snorkel's label model on the shipped ",
                Code("sentiment"),
                " label functions (VADER's scorer, lexicon words and review keywords) replaces "
                "the weak model; only the sentiment tasks have label functions. The VADER tasks "
                "are the ground truth VADER's lexicon was validated on, so its functions are "
                "stronger there than on unseen text. The weak column is the label model's test "
                "accuracy; the model pair names the strong model (the weak one is not used).",
            )
        ),
        headline_table(head),
        ctx.made_by,
    ]


def mixing_blocks(per: pd.DataFrame, result: Across, ctx: Context, figure: str | None):
    """(a) The mixing slope per task with its interval, and across tasks."""
    rows: list[tuple[Inline, ...]] = [
        (
            r["dataset"],
            str(r["seeds"]),
            ci(r["slope"], r["slope_lo"], r["slope_hi"], 4),
            f"{r['positive_seeds']} of {r['seeds']}",
            "yes" if r["kept"] else "no (guard or size)",
        )
        for _, r in per.iterrows()
    ]
    return [
        Heading(2, "(a) Mixing: does the student gain with the share of overlap points?"),
        Paragraph(
            (
                "Published claim (overlap-density paper): a student trained on mixes with a "
                "larger share q of overlap points reaches a higher test accuracy. Per task, the "
                "least-squares slope of the mixes' mean test accuracy against q (",
                Link("methods.md", "methods.md#mixing"),
                "), mean over split seeds with its 95 % bootstrap interval.",
            )
        ),
        Table(("task", "seeds", "slope [95% CI]", "slope > 0 (seeds)", "in the test"), rows),
        ctx.made_by,
        across_sentence("Mixing slope above zero", result, "above zero"),
        rule(VERDICT_RULE, ctx.alpha),
        *([Figures((figure,), ("mixing slope per task",))] if figure else []),
        Paragraph(OVERLAP_PAPER_DIFFERS),
    ]


def selection_blocks(per: pd.DataFrame, results: list[Across], ctx: Context, figure: str | None):
    """(b) UCB against random data-source selection per task and across tasks."""
    head = [
        Heading(2, "(b) Selection: does UCB collect more overlap than random?"),
        Paragraph(
            "Published claim (overlap-density paper): the UCB data-source bandit collects a "
            "larger share of overlap points than choosing sources at random, and its student "
            "tests better. Per task: the last round's overlap share collected and test accuracy, "
            "means over the bandit's seeds and then over split seeds; the difference UCB − random "
            "with its 95 % bootstrap interval over split seeds."
        ),
    ]
    if per.empty:
        return [*head, Paragraph("No cell ran the selection stage.")]
    rows: list[tuple[Inline, ...]] = [
        (
            r["dataset"],
            str(r["seeds"]),
            pm(r["overlap_ucb"], r["overlap_ucb_std"]),
            pm(r["overlap_random"], r["overlap_random_std"]),
            ci(r["overlap_diff"], r["overlap_lo"], r["overlap_hi"]),
            pm(r["accuracy_ucb"], r["accuracy_ucb_std"], 4),
            pm(r["accuracy_random"], r["accuracy_random_std"], 4),
            ci(r["accuracy_diff"], r["accuracy_lo"], r["accuracy_hi"], 4),
        )
        for _, r in per.iterrows()
    ]
    columns: tuple[str, ...] = (
        "task",
        "seeds",
        "overlap UCB",
        "overlap random",
        "UCB − random [95% CI]",
    )
    columns += ("accuracy UCB", "accuracy random", "UCB − random [95% CI]")
    return [
        *head,
        Table(columns, rows, guarded=[not k for k in per["kept"]]),
        ctx.made_by,
        *(across_sentence(f"UCB above random ({r.measure})", r, "UCB above") for r in results),
        rule(VERDICT_RULE, ctx.alpha),
        *([Figures((figure,), ("UCB minus random",))] if figure else []),
        Paragraph(OVERLAP_PAPER_DIFFERS),
    ]


def overlap_blocks(points: pd.DataFrame, rank: RankCorrelation, ctx: Context, figure: str | None):
    """(e) Across tasks: does the share of overlap points predict PGR?"""
    rows: list[tuple[Inline, ...]] = [
        (
            r["dataset"],
            pm(r["overlap_share"], r["overlap_share_std"]),
            ci(r["pgr_mean"], r["pgr_lo"], r["pgr_hi"], 2),
        )
        for _, r in points.iterrows()
    ]
    verdict = (
        f"Spearman's rho {ci(rank.rho, rank.lo, rank.hi, 2)} (95 % bootstrap interval, tasks "
        f"resampled), one-sided {p_is(rank.p)}, {rank.n} tasks. Verdict: "
        if np.isfinite(rank.rho)
        else f"{rank.n} task(s) with a PGR: a rank correlation needs 3. Verdict: "
    )
    return [
        Heading(2, "(e) Across tasks: does the share of overlap points predict PGR?"),
        Paragraph(
            "The overlap-density paper's thesis, tested across datasets (no published study "
            "does): tasks whose pool holds a larger share of overlap points should recover more "
            "of the gap. One point per task the guard and the size rule keep: the mean overlap "
            "share of strong_train (overlap / all points detected) against mean PGR."
        ),
        Table(("task", "overlap share (mean ± std)", "PGR [95% CI]"), rows),
        ctx.made_by,
        Paragraph((verdict, Bold(rank.verdict), ".")),
        rule(
            VERDICT_RULE.replace("the one-sided test", "Spearman's one-sided test").replace(
                "fewer than two tasks", "fewer than three tasks"
            ),
            ctx.alpha,
        ),
        *([Figures((figure,), ("overlap share against PGR",))] if figure else []),
        Paragraph(OVERLAP_PAPER_DIFFERS),
    ]
