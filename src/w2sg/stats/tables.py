"""Tables of PGR across seeds and datasets: per dataset with its interval, across datasets,
paired comparisons (docs/methods.md#statistics). Pure functions on pandas DataFrames; the
sweep owns the files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.stats.checks import columns, numbers
from w2sg.stats.intervals import bootstrap_interval
from w2sg.stats.paired import paired_test
from w2sg.stats.pgr import check_margin, gap_guard, pgr, pgr_values

GROUP = ["dataset", "weak_model", "strong_model"]
# Means over seeds of a cell's diagnostics (docs/methods.md#similarity, #split-strength): PGR
# can be plotted against them across tasks.
DIAGNOSTICS = ("error_agreement", "error_kappa", "capa", "t1_found", "t1_effect")


def summarize_datasets(
    table: pd.DataFrame,
    *,
    metric: str = "accuracy",
    margin: float = 0.01,
    n_resamples: int = 10000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (dataset, pair, method): means over seeds, PGR mean / median / 95 % interval.

    `table` is the sweep's tidy table (one row per finished cell). Each seed's PGR follows
    the one rule (`w2sg.stats.pgr.pgr`: none where ceiling - weak < `margin`); the mean and
    median are over the seeds that have one (`pgr_seeds` of `seeds`), with the PGR of the mean
    metrics beside them (`pgr_of_means`), and the note says how many seeds had none. The guard
    (mean gap below the margin) is decided per (dataset, pair) over all its cells, so every
    method sees the same datasets.
    """
    v.choice(metric, "metric", ("accuracy", "auc"))
    check_margin(margin)
    v.positive(n_resamples, "n_resamples")
    v.seed(seed)
    need = [*GROUP, "method", "seed", f"weak_{metric}", f"w2s_{metric}", f"ceiling_{metric}"]
    columns(table, need)
    for m in ("weak", "w2s", "ceiling"):
        numbers(table[f"{m}_{metric}"], f"table column {m}_{metric}")
    rows = []
    guards = {
        key: gap_guard(g[f"weak_{metric}"], g[f"ceiling_{metric}"], margin)
        for key, g in table.groupby(GROUP, sort=True)
    }
    for key, g in table.groupby([*GROUP, "method"], sort=True):
        guard = guards[key[:3]]
        weak, w2s, ceiling = (g[f"{m}_{metric}"] for m in ("weak", "w2s", "ceiling"))
        values = pgr_values(weak, w2s, ceiling, margin)
        finite = values[np.isfinite(values)]
        of_means = pgr(float(weak.mean()), float(w2s.mean()), float(ceiling.mean()), margin)
        lo, hi = bootstrap_interval(finite, n_resamples=n_resamples, seed=seed)
        rows.append(
            {
                **dict(zip([*GROUP, "method"], key, strict=True)),
                "seeds": len(g),
                "weak": float(g[f"weak_{metric}"].mean()),
                "w2s": float(g[f"w2s_{metric}"].mean()),
                "ceiling": float(g[f"ceiling_{metric}"].mean()),
                "gap": guard.gap,
                "pgr_mean": float(finite.mean()) if len(finite) else np.nan,
                "pgr_median": float(np.median(finite)) if len(finite) else np.nan,
                "pgr_lo": np.nan if lo is None else lo,
                "pgr_hi": np.nan if hi is None else hi,
                "pgr_seeds": len(finite),
                "pgr_of_means": np.nan if of_means.value is None else of_means.value,
                "overlap_share": _mean(g, "overlap_share"),
                "mixing_slope": _mean(g, "mixing_slope"),
                **{c: _mean(g, c) for c in DIAGNOSTICS},  # weak-strong similarity, t1 found
                "guarded": guard.flagged,
                "note": _note(guard.reason, len(g) - len(finite), len(g), margin),
            }
        )
    return pd.DataFrame(rows)


def _note(reason: str | None, missing: int, seeds: int, margin: float) -> str:
    """The row's note: why it is excluded, and how many seeds had no PGR."""
    parts = [reason] if reason else []
    if missing:
        parts.append(f"{missing} of {seeds} seeds have no PGR (ceiling - weak < {margin:g})")
    return "; ".join(parts)


def _mean(g: pd.DataFrame, column: str) -> float:
    if column not in g.columns:
        return np.nan
    return float(pd.to_numeric(g[column], errors="coerce").mean())


def across_datasets(per_dataset: pd.DataFrame) -> pd.DataFrame:
    """Per method (and pair): mean and median PGR over the datasets the guard keeps."""
    columns(
        per_dataset, ["weak_model", "strong_model", "method", "guarded", "pgr_mean"], "per_dataset"
    )
    rows = []
    for key, g in per_dataset.groupby(["weak_model", "strong_model", "method"], sort=True):
        kept = g[~g["guarded"] & np.isfinite(g["pgr_mean"])]
        rows.append(
            {
                "weak_model": key[0],
                "strong_model": key[1],
                "method": key[2],
                "datasets": len(kept),
                "excluded": int(len(g) - len(kept)),
                "pgr_mean": float(kept["pgr_mean"].mean()) if len(kept) else np.nan,
                "pgr_median": float(kept["pgr_mean"].median()) if len(kept) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _kept(per_dataset: pd.DataFrame) -> pd.DataFrame:
    return per_dataset[~per_dataset["guarded"].astype(bool)]


def compare_to_baseline(per_dataset: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each method's per-dataset mean PGR against `baseline`'s, on the guard's datasets."""
    columns(per_dataset, [*GROUP, "method", "guarded", "pgr_mean"], "per_dataset")
    methods = list(dict.fromkeys(per_dataset["method"]))
    if baseline not in methods:
        raise W2SGError(f"baseline {baseline!r} is not a method of the table: {methods}")
    kept = _kept(per_dataset)
    wide = kept.pivot_table(
        index=["dataset", "weak_model", "strong_model"],
        columns="method",
        values="pgr_mean",
        dropna=False,
    )
    rows = []
    for method in methods:
        if method == baseline or method not in wide.columns:
            continue
        test = paired_test(wide[method].to_numpy(), wide[baseline].to_numpy())
        rows.append({"method": method, "baseline": baseline, **test.to_json()})
    return pd.DataFrame(rows)


def w2s_vs_weak(per_dataset: pd.DataFrame) -> pd.DataFrame:
    """Per method: is the W2S student's mean score above the weak model's across datasets?"""
    columns(per_dataset, ["method", "guarded", "w2s", "weak"], "per_dataset")
    rows = []
    for method, g in _kept(per_dataset).groupby("method", sort=True):
        test = paired_test(g["w2s"].to_numpy(), g["weak"].to_numpy())
        rows.append({"method": method, "comparison": "w2s > weak", **test.to_json()})
    return pd.DataFrame(rows)
