"""Paired comparisons across datasets (docs/methods.md#statistics, last bullet).

A method against a baseline: per dataset, the mean PGR over seeds of each; wins and losses,
a one-sided paired t-test and a Wilcoxon signed-rank test that the method's PGR is greater
(scipy.stats). Also W2S against weak per method: does the student beat its supervisor?
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from w2sg.errors import W2SGError
from w2sg.stats.checks import numbers


@dataclass(frozen=True)
class PairedTest:
    """Is `a` greater than `b` across paired datasets? Counts and two one-sided tests."""

    n: int
    wins: int
    losses: int
    ties: int
    mean_diff: float | None  # None only for one pair whose difference is not finite
    median_diff: float | None
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
    from scipy import stats  # heavy: loaded on first use

    a, b = numbers(a, "a"), numbers(b, "b")
    if a.shape != b.shape:
        raise W2SGError(f"a and b must be 1-D of one length, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    n = len(d)
    counts = {
        "n": n,
        "wins": int((d > 0).sum()),
        "losses": int((d < 0).sum()),
        "ties": int((d == 0).sum()),
    }
    if n < 2:
        return PairedTest(
            **counts,
            mean_diff=_num(d.mean()) if n else np.nan,
            median_diff=_num(np.median(d)) if n else np.nan,
            t_stat=None,
            t_p=None,
            wilcoxon_stat=None,
            wilcoxon_p=None,
            note="fewer than 2 paired datasets: no test",
        )
    t = stats.ttest_rel(a, b, alternative="greater")
    note = ""
    if np.all(d == 0):
        w_stat = w_p = None
        note = "all differences are zero: no Wilcoxon test"
    else:
        w = stats.wilcoxon(a, b, alternative="greater")
        w_stat, w_p = _num(w.statistic), _num(w.pvalue)
    return PairedTest(
        **counts,
        mean_diff=float(d.mean()),
        median_diff=float(np.median(d)),
        t_stat=_num(t.statistic),
        t_p=_num(t.pvalue),
        wilcoxon_stat=w_stat,
        wilcoxon_p=w_p,
        note=note,
    )
