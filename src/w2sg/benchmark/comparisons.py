"""Claims (c) and (d): students trained in one cell on the same weak labels, compared with
the cell's plain student, paired over (task, seed) and tested across tasks
(docs/methods.md#the-benchmark). Pure functions on a sweep's arms table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from w2sg.benchmark.verdicts import two_way_verdict, verdict
from w2sg.stats.arms import TASK, arm_differences, arms_vs_reference
from w2sg.stats.paired import paired_test


def _on_tasks(arms: pd.DataFrame, kept: pd.DataFrame | None) -> pd.DataFrame:
    """The arms rows of the tasks in `kept` (and of its methods, when it names them); all of
    them when `kept` is None."""
    if kept is None or arms.empty:
        return arms
    keys = [*TASK, "method"] if "method" in kept.columns else TASK
    return arms.merge(kept.reindex(columns=keys).drop_duplicates(), on=keys, how="inner")


def compare_arms(
    arms: pd.DataFrame,
    metric: str,
    *,
    kept: pd.DataFrame | None = None,
    n_resamples: int = 10000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per task, across tasks) of every arm against its cell's reference on `metric`; the
    across-task rows add the one-sided p of the other direction (`t_p_less`,
    `wilcoxon_p_less`: is the arm below the reference?)."""
    rows = _on_tasks(arms, kept) if not arms.empty else arms
    if rows.empty:
        return pd.DataFrame(), pd.DataFrame()
    per = arm_differences(rows, metric, n_resamples=n_resamples)
    tests = arms_vs_reference(rows, metric, n_resamples=n_resamples)
    less = []
    for _, t in tests.iterrows():
        g = per[(per["method"] == t["method"]) & (per["arm"] == t["arm"])]
        other = paired_test(g["reference_value"].to_numpy(float), g["value"].to_numpy(float))
        less.append({"t_p_less": other.t_p, "wilcoxon_p_less": other.wilcoxon_p})
    tests = pd.concat([tests.reset_index(drop=True), pd.DataFrame(less)], axis=1)
    return per, tests


def interventions_claim(
    arms: pd.DataFrame,
    metric: str = "accuracy",
    *,
    kept: pd.DataFrame | None = None,
    n_resamples: int = 10000,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(d) Each intervention against the plain student (`none`) of its cell: per task, and
    across tasks with wins, the mean difference and its interval, the paired tests both ways
    and the verdict (helps / hurts / not significant)."""
    if arms.empty:
        return pd.DataFrame(), pd.DataFrame()
    rows = arms[arms["kind"] == "interventions"] if "kind" in arms.columns else arms
    per, tests = compare_arms(rows, metric, kept=kept, n_resamples=n_resamples)
    if tests.empty:
        return per, tests
    tests["verdict"] = [
        two_way_verdict(_num(t["mean_diff"]), _num(t["t_p"]), _num(t["t_p_less"]), alpha)
        for _, t in tests.iterrows()
    ]
    return per, tests


def logconf_claim(
    arms: pd.DataFrame,
    metric: str = "auc",
    *,
    kept: pd.DataFrame | None = None,
    n_resamples: int = 10000,
    alpha: float = 0.05,
    arm: str = "logconf",
    reference: str = "xent",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(c) The `arm` student against the `reference` student of each fine-tune cell: per
    task, and across tasks (per method: e.g. w2sg's defaults and the eleuther preset) with
    wins and losses, the one-sided paired t-test and Wilcoxon p, and the verdict in the
    published direction (`arm` above `reference`)."""
    if arms.empty:
        return pd.DataFrame(), pd.DataFrame()
    rows = arms[(arms["reference"] == reference) & arms["arm"].isin([arm, reference])]
    per, tests = compare_arms(rows, metric, kept=kept, n_resamples=n_resamples)
    if tests.empty:
        return per, tests
    tests["verdict"] = [
        verdict(_num(t["mean_diff"]), _num(t["t_p"]), alpha) for _, t in tests.iterrows()
    ]
    return per, tests


def _num(x: object) -> float | None:
    if x is None:
        return None
    v = float(x)  # type: ignore[arg-type]  # a table cell: a number or NaN
    return v if np.isfinite(v) else None
