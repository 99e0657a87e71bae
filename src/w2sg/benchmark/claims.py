"""The benchmark's statistics, as pure functions on a sweep's tables
(docs/methods.md#the-benchmark): the headline per task, (a) the mixing slope, (b) UCB
against random selection, (e) whether the overlap share predicts PGR across tasks. Each
cross-task test comes with its verdict (`w2sg.benchmark.verdicts`). Claims (c) and (d),
students compared within cells, are in `w2sg.benchmark.comparisons`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2sg.benchmark.verdicts import NO_TEST, verdict
from w2sg.errors import W2SGError
from w2sg.stats.intervals import bootstrap_interval
from w2sg.stats.paired import PairedTest, paired_test
from w2sg.stats.pgr import DEFAULT_MARGIN, pgr
from w2sg.stats.tables import summarize_datasets

TASK = ["dataset", "weak_model", "strong_model"]


@dataclass(frozen=True)
class Sizes:
    """The smallest run that counts as a result: fewer seeds or rows are flagged."""

    min_seeds: int = 3
    min_test: int = 300
    min_strong_train: int = 300


@dataclass(frozen=True)
class Across:
    """One claim across tasks: its paired test, the bootstrap interval of the mean per-task
    effect (tasks resampled) and the verdict."""

    measure: str
    test: PairedTest
    lo: float | None
    hi: float | None
    verdict: str


def task_keys(frame: pd.DataFrame) -> set[tuple]:
    """The (dataset, weak_model, strong_model) keys of a table's rows (none when empty)."""
    if frame.empty or not set(TASK) <= set(frame.columns):
        return set()
    return set(map(tuple, frame[TASK].to_numpy().tolist()))


def _interval(values: np.ndarray, n_resamples: int) -> tuple[float, float]:
    lo, hi = bootstrap_interval(values, n_resamples=n_resamples)
    return (np.nan if lo is None else lo), (np.nan if hi is None else hi)


def across(measure: str, a: np.ndarray, b: np.ndarray, n_resamples: int, alpha: float) -> Across:
    """Is `a` above `b` across paired tasks? The paired tests, the interval of the mean
    difference, and the verdict of the one-sided t-test."""
    test = paired_test(np.asarray(a, float), np.asarray(b, float))
    d = np.asarray(a, float) - np.asarray(b, float)
    lo, hi = _interval(d[np.isfinite(d)], n_resamples)
    return Across(measure, test, lo, hi, verdict(test.mean_diff, test.t_p, alpha))


def size_flags(rows: pd.DataFrame, sizes: Sizes) -> pd.DataFrame:
    """Per task and method: its seeds and smallest splits, and whether they are too small
    to count as a result (with the reason)."""
    out = []
    for key, g in rows.groupby([*TASK, "method"], sort=True):
        seeds = int(g["seed"].nunique())
        test, strong = float(g["test"].min()), float(g["strong_train"].min())
        reasons = []
        if seeds < sizes.min_seeds:
            reasons.append(f"{seeds} seed(s) < {sizes.min_seeds}")
        if test < sizes.min_test:
            reasons.append(f"test {test:.0f} < {sizes.min_test}")
        if strong < sizes.min_strong_train:
            reasons.append(f"strong_train {strong:.0f} < {sizes.min_strong_train}")
        out.append(
            {
                **dict(zip([*TASK, "method"], key, strict=True)),
                "n_seeds": seeds,
                "test_rows": test,
                "strong_train_rows": strong,
                "too_small": bool(reasons),
                "size_note": "; ".join(reasons),
            }
        )
    return pd.DataFrame(out)


def _std(values: pd.Series) -> float:
    """Standard deviation (ddof 0) over the seeds with a value; NaN when none has one."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(float)
    x = x[np.isfinite(x)]
    return float(x.std()) if len(x) else np.nan


def _per_seed_extras(rows: pd.DataFrame, margin: float, n_resamples: int) -> pd.DataFrame:
    """Per task and method: spread over seeds, the gap's interval, W2S's wins over weak, and
    the one rule's reason when the mean metrics have no PGR."""
    out = []
    for key, g in rows.groupby([*TASK, "method"], sort=True):
        weak, w2s, ceil = (g[f"{m}_accuracy"].to_numpy(float) for m in ("weak", "w2s", "ceiling"))
        gap_lo, gap_hi = _interval(ceil - weak, n_resamples)
        w, s, c = (float(np.nanmean(x)) for x in (weak, w2s, ceil))
        spread = {
            f"{m}{suffix}_std": _std(g[f"{m}_{metric}"])
            for m in ("weak", "w2s", "ceiling")
            for metric, suffix in (("accuracy", ""), ("auc", "_auc"))
        }
        out.append(
            {
                **dict(zip([*TASK, "method"], key, strict=True)),
                **spread,
                "overlap_share_std": _std(g["overlap_share"]) if "overlap_share" in g else np.nan,
                "gap_lo": gap_lo,
                "gap_hi": gap_hi,
                "w2s_wins": int((w2s > weak).sum()),
                "pgr_reason": pgr(w, s, c, margin).reason or "",
            }
        )
    return pd.DataFrame(out)


def headline(
    rows: pd.DataFrame,
    *,
    margin: float = DEFAULT_MARGIN,
    n_resamples: int = 10000,
    sizes: Sizes | None = None,
) -> pd.DataFrame:
    """One row per task and method: weak / W2S / ceiling accuracy (mean, std over seeds) and
    AUC, the gap with its interval, PGR over the seeds with one (the one rule, `margin`) with
    its bootstrap interval, the guard, W2S's wins over weak, and the size flag. `kept`: the
    guard keeps the task and it is large enough: the rows the claims use."""
    need = [*TASK, "method", "seed", "test", "strong_train", "weak_accuracy", "weak_auc"]
    missing = [c for c in need if c not in rows.columns]
    if missing:
        raise W2SGError(f"the sweep table lacks column(s) {', '.join(missing)}")
    if rows.empty:
        return pd.DataFrame()
    acc = summarize_datasets(rows, metric="accuracy", margin=margin, n_resamples=n_resamples)
    auc = summarize_datasets(rows, metric="auc", margin=margin, n_resamples=n_resamples)
    auc = auc[[*TASK, "method", "weak", "w2s", "ceiling", "pgr_mean", "pgr_lo", "pgr_hi"]]
    keys = [*TASK, "method"]
    out = acc.merge(auc, on=keys, suffixes=("", "_auc"))
    out = out.merge(_per_seed_extras(rows, margin, n_resamples), on=keys)
    out = out.merge(size_flags(rows, sizes or Sizes()), on=keys)
    out["kept"] = ~out["guarded"].astype(bool) & ~out["too_small"].astype(bool)
    return out


def mixing_slopes(
    rows: pd.DataFrame, kept: pd.DataFrame, *, n_resamples: int = 10000, alpha: float = 0.05
) -> tuple[pd.DataFrame, Across]:
    """(a) Per task: the mixing slope (test accuracy per unit overlap share q) over seeds with
    its bootstrap interval; across the kept tasks: is it above zero?"""
    keep = task_keys(kept)
    if rows.empty:
        return pd.DataFrame(), across("mixing slope", np.array([]), np.array([]), 1, alpha)
    per = []
    for key, g in rows.groupby(TASK, sort=True):
        s = g["mixing_slope"].to_numpy(float)
        s = s[np.isfinite(s)]
        lo, hi = _interval(s, n_resamples)
        per.append(
            {
                **dict(zip(TASK, key, strict=True)),
                "seeds": len(s),
                "slope": float(s.mean()) if len(s) else np.nan,
                "slope_lo": lo,
                "slope_hi": hi,
                "positive_seeds": int((s > 0).sum()),
                "kept": tuple(key) in keep,
            }
        )
    table = pd.DataFrame(per)
    used = table[table["kept"] & np.isfinite(table["slope"])] if len(table) else table
    slopes = used["slope"].to_numpy(float) if len(used) else np.array([])
    return table, across("mixing slope", slopes, np.zeros_like(slopes), n_resamples, alpha)


def selection_claim(
    selection: pd.DataFrame,
    kept: pd.DataFrame,
    *,
    n_resamples: int = 10000,
    alpha: float = 0.05,
    strategy: str = "ucb",
    against: str = "random",
) -> tuple[pd.DataFrame, list[Across]]:
    """(b) Per task: overlap collected and test accuracy of `strategy` and `against` at the
    last round (means over bandit seeds, then over split seeds), their difference with its
    interval; across the kept tasks: is `strategy` above `against` on each?"""
    if selection.empty or not {strategy, against} <= set(selection["strategy"]):
        return pd.DataFrame(), []
    sel = selection[selection["strategy"].isin([strategy, against])]
    wide = sel.pivot_table(
        index=[*TASK, "seed"], columns="strategy", values=["overlap", "accuracy"]
    ).dropna()
    keep = task_keys(kept)
    per = []
    for key, g in wide.groupby(level=TASK, sort=True):
        row = {**dict(zip(TASK, key, strict=True)), "seeds": len(g), "kept": tuple(key) in keep}
        for measure in ("overlap", "accuracy"):
            a, b = g[(measure, strategy)].to_numpy(float), g[(measure, against)].to_numpy(float)
            lo, hi = _interval(a - b, n_resamples)
            row |= {
                f"{measure}_{strategy}": float(a.mean()),
                f"{measure}_{strategy}_std": float(a.std()),
                f"{measure}_{against}": float(b.mean()),
                f"{measure}_{against}_std": float(b.std()),
                f"{measure}_diff": float((a - b).mean()),
                f"{measure}_lo": lo,
                f"{measure}_hi": hi,
            }
        per.append(row)
    table = pd.DataFrame(per)
    used = table[table["kept"]] if len(table) else table
    tests = [
        across(m, used[f"{m}_{strategy}"], used[f"{m}_{against}"], n_resamples, alpha)
        for m in ("overlap", "accuracy")
    ]
    return table, tests


def spearman_interval(
    x: np.ndarray, y: np.ndarray, *, n_resamples: int = 10000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float, float]:
    """Spearman's rho of (x, y), its one-sided p (rho > 0, scipy), and a percentile bootstrap
    interval that resamples the pairs (resamples where a side is constant are left out)."""
    from scipy import stats  # heavy: loaded on first use

    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1:
        raise W2SGError(f"x and y must be 1-D of one length, got {x.shape} and {y.shape}")
    if len(x) < 3:
        return np.nan, np.nan, np.nan, np.nan
    res = stats.spearmanr(x, y, alternative="greater")
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_resamples, len(x)))
    rx, ry = (stats.rankdata(v[idx], axis=1) for v in (x, y))
    rx, ry = rx - rx.mean(axis=1, keepdims=True), ry - ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        rhos = (rx * ry).sum(axis=1) / den
    rhos = rhos[np.isfinite(rhos)]
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(rhos, [tail, 100 - tail]) if len(rhos) else (np.nan, np.nan)
    return float(res.statistic), float(res.pvalue), float(lo), float(hi)


@dataclass(frozen=True)
class RankCorrelation:
    """(e) Spearman's rho of overlap share against PGR across tasks, with its interval."""

    n: int
    rho: float
    p: float
    lo: float
    hi: float
    verdict: str


def overlap_predicts_pgr(
    head: pd.DataFrame, *, n_resamples: int = 10000, alpha: float = 0.05
) -> tuple[pd.DataFrame, RankCorrelation]:
    """(e) Across the kept tasks with a PGR: does the mean share of overlap points predict
    the mean PGR? Spearman's rho (one-sided, rho > 0) with a bootstrap interval over tasks."""
    if head.empty:
        return pd.DataFrame(), RankCorrelation(0, np.nan, np.nan, np.nan, np.nan, NO_TEST)
    points = head[head["kept"] & np.isfinite(head["pgr_mean"]) & np.isfinite(head["overlap_share"])]
    points = points[[*TASK, "overlap_share", "overlap_share_std", "pgr_mean", "pgr_lo", "pgr_hi"]]
    x, y = points["overlap_share"].to_numpy(float), points["pgr_mean"].to_numpy(float)
    rho, p, lo, hi = spearman_interval(x, y, n_resamples=n_resamples)
    rho_v = None if not np.isfinite(rho) else rho
    return points.reset_index(drop=True), RankCorrelation(
        len(points), rho, p, lo, hi, verdict(rho_v, None if np.isnan(p) else p, alpha)
    )
