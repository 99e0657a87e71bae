"""Arms against the plain student, paired over (task, seed) (docs/methods.md#the-benchmark).

An *arm* is one of several students trained in one cell on the same splits and weak labels:
an intervention (`none`, `filter:topo`, ...) or a fine-tune student loss (`xent`, `logconf`).
Each cell names its reference arm (the plain student: `none`, or the first loss). Pure
functions on the long arms table of a sweep (one row per cell and arm).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from w2sg.errors import W2SGError
from w2sg.stats.intervals import bootstrap_interval
from w2sg.stats.paired import paired_test

TASK = ["dataset", "weak_model", "strong_model"]
CELL = [*TASK, "method", "seed"]
ARM_COLUMNS = (*CELL, "arm", "reference", "accuracy", "auc")


def paired_arms(arms: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """One row per (cell, arm other than the reference): the arm's and the reference's
    `metric` and their difference (arm - reference), paired within the cell."""
    missing = [c for c in ARM_COLUMNS if c not in arms.columns]
    if missing:
        raise W2SGError(f"the arms table lacks column(s) {', '.join(missing)}")
    ref = arms[arms["arm"] == arms["reference"]][[*CELL, metric]]
    ref = ref.rename(columns={metric: "reference_value"})
    other = arms[arms["arm"] != arms["reference"]][[*CELL, "arm", "reference", metric]]
    out = other.merge(ref, on=CELL, how="inner").rename(columns={metric: "value"})
    out["diff"] = out["value"].astype(float) - out["reference_value"].astype(float)
    return out.reset_index(drop=True)


def arm_differences(
    arms: pd.DataFrame, metric: str = "accuracy", *, n_resamples: int = 10000, seed: int = 0
) -> pd.DataFrame:
    """Per task, method and arm: the mean difference to the reference over seeds, its
    bootstrap 95 % interval, and on how many seeds the arm is above the reference."""
    pairs = paired_arms(arms, metric)
    rows = []
    for key, g in pairs.groupby([*TASK, "method", "arm"], sort=True):
        d = g["diff"].to_numpy(float)
        d = d[np.isfinite(d)]
        lo, hi = bootstrap_interval(d, n_resamples=n_resamples, seed=seed)
        rows.append(
            {
                **dict(zip([*TASK, "method", "arm"], key, strict=True)),
                "reference": g["reference"].iloc[0],
                "seeds": len(d),
                "value": float(g["value"].mean()),
                "value_std": float(g["value"].std(ddof=0)),
                "reference_value": float(g["reference_value"].mean()),
                "reference_std": float(g["reference_value"].std(ddof=0)),
                "diff": float(d.mean()) if len(d) else np.nan,
                "diff_lo": np.nan if lo is None else lo,
                "diff_hi": np.nan if hi is None else hi,
                "seed_wins": int((d > 0).sum()),
                "seed_losses": int((d < 0).sum()),
            }
        )
    return pd.DataFrame(rows)


def arms_vs_reference(
    arms: pd.DataFrame, metric: str = "accuracy", *, n_resamples: int = 10000, seed: int = 0
) -> pd.DataFrame:
    """Per method and arm, across tasks: on how many tasks the arm's mean beats the
    reference's, the mean per-task difference with a bootstrap 95 % interval (tasks
    resampled), one-sided paired t and Wilcoxon tests (arm > reference) over tasks, and the
    wins over every (task, seed) pair."""
    per_task = arm_differences(arms, metric, n_resamples=n_resamples, seed=seed)
    if per_task.empty:
        return pd.DataFrame()
    pairs = paired_arms(arms, metric)
    rows = []
    for (method, arm), g in per_task.groupby(["method", "arm"], sort=True):
        test = paired_test(g["value"].to_numpy(float), g["reference_value"].to_numpy(float))
        lo, hi = bootstrap_interval(g["diff"].to_numpy(float), n_resamples=n_resamples, seed=seed)
        cells = pairs[(pairs["method"] == method) & (pairs["arm"] == arm)]["diff"]
        rows.append(
            {
                "method": method,
                "arm": arm,
                "reference": g["reference"].iloc[0],
                "metric": metric,
                **test.to_json(),
                "diff_lo": np.nan if lo is None else lo,
                "diff_hi": np.nan if hi is None else hi,
                "pairs": int(cells.notna().sum()),
                "pair_wins": int((cells > 0).sum()),
                "pair_losses": int((cells < 0).sum()),
            }
        )
    return pd.DataFrame(rows)
