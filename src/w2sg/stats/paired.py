"""Paired comparisons across datasets (SPEC §7, last bullet).

A method against a baseline: per dataset, the mean PGR over seeds of each; wins and losses,
a one-sided paired t-test and a Wilcoxon signed-rank test that the method's PGR is greater
(scipy.stats). Also W2S against weak per method: does the student beat its supervisor?
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from w2sg.errors import W2SGError


@dataclass(frozen=True)
class PairedTest:
    """Is `a` greater than `b` across paired datasets? Counts and two one-sided tests."""

    n: int
    wins: int
    losses: int
    ties: int
    mean_diff: float
    median_diff: float
    t_stat: float | None
    t_p: float | None
    wilcoxon_stat: float | None
    wilcoxon_p: float | None
    note: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def paired_test(a: np.ndarray, b: np.ndarray) -> PairedTest:
    """One-sided paired t-test and Wilcoxon signed-rank of a > b (pairs with a NaN dropped)."""
    from scipy import stats

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise W2SGError(f"a and b must be 1-D of one length, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    n = len(d)
    counts = {"n": n, "wins": int((d > 0).sum()), "losses": int((d < 0).sum()),
              "ties": int((d == 0).sum())}  # fmt: skip
    if n < 2:
        return PairedTest(**counts, mean_diff=_num(d.mean()) if n else np.nan,
                          median_diff=_num(np.median(d)) if n else np.nan, t_stat=None,
                          t_p=None, wilcoxon_stat=None, wilcoxon_p=None,
                          note="fewer than 2 paired datasets: no test")  # fmt: skip
    t = stats.ttest_rel(a, b, alternative="greater")
    note = ""
    if np.all(d == 0):
        w_stat = w_p = None
        note = "all differences are zero: no Wilcoxon test"
    else:
        w = stats.wilcoxon(a, b, alternative="greater")
        w_stat, w_p = _num(w.statistic), _num(w.pvalue)
    return PairedTest(**counts, mean_diff=float(d.mean()), median_diff=float(np.median(d)),
                      t_stat=_num(t.statistic), t_p=_num(t.pvalue), wilcoxon_stat=w_stat,
                      wilcoxon_p=w_p, note=note)  # fmt: skip


def _kept(per_dataset: pd.DataFrame) -> pd.DataFrame:
    return per_dataset[~per_dataset["guarded"].astype(bool)]


def compare_to_baseline(per_dataset: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each method's per-dataset mean PGR against `baseline`'s, on the guard's datasets."""
    methods = list(dict.fromkeys(per_dataset["method"]))
    if baseline not in methods:
        raise W2SGError(f"baseline {baseline!r} is not a method of the table: {methods}")
    kept = _kept(per_dataset)
    wide = kept.pivot_table(index=["dataset", "weak_model", "strong_model"], columns="method",
                            values="pgr_mean", dropna=False)  # fmt: skip
    rows = []
    for method in methods:
        if method == baseline or method not in wide.columns:
            continue
        test = paired_test(wide[method].to_numpy(), wide[baseline].to_numpy())
        rows.append({"method": method, "baseline": baseline, **test.to_json()})
    return pd.DataFrame(rows)


def w2s_vs_weak(per_dataset: pd.DataFrame) -> pd.DataFrame:
    """Per method: is the W2S student's mean score above the weak model's across datasets?"""
    rows = []
    for method, g in _kept(per_dataset).groupby("method", sort=True):
        test = paired_test(g["w2s"].to_numpy(), g["weak"].to_numpy())
        rows.append({"method": method, "comparison": "w2s > weak", **test.to_json()})
    return pd.DataFrame(rows)
