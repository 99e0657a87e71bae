"""PGR over seeds per dataset, its bootstrap interval, and the gap guard (SPEC §1).

PGR = (w2s - weak) / (ceiling - weak) is undefined when ceiling <= weak and unstable when the
gap is tiny (the published anthropic_hh case: a gap of a point turns noise into PGRs of +-5).
The guard flags a dataset whose mean gap is below a margin; it stays in the table, marked,
and is left out of every PGR statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2sg.errors import W2SGError

GROUP = ["dataset", "weak_model", "strong_model"]


def pgr(weak: np.ndarray, w2s: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """PGR per entry; NaN where ceiling <= weak (undefined, SPEC §1)."""
    weak, w2s, ceiling = (np.asarray(a, dtype=float) for a in (weak, w2s, ceiling))
    if not weak.shape == w2s.shape == ceiling.shape:
        raise W2SGError(f"weak, w2s, ceiling must have one shape, got "
                        f"{weak.shape}, {w2s.shape}, {ceiling.shape}")  # fmt: skip
    gap = ceiling - weak
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (w2s - weak) / gap, np.nan)


def bootstrap_interval(
    values: np.ndarray, *, level: float = 0.95, n_resamples: int = 10000, seed: int = 0
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of the mean of `values` (NaNs dropped); None if < 2 values.

    scipy.stats.bootstrap does the resampling; `seed` makes the interval reproducible.
    """
    from scipy import stats

    if not 0 < level < 1:
        raise W2SGError(f"level must lie in (0, 1), got {level}")
    if n_resamples < 1:
        raise W2SGError(f"n_resamples must be positive, got {n_resamples}")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return None, None
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    res = stats.bootstrap(
        (x,), np.mean, confidence_level=level, n_resamples=n_resamples, method="percentile",
        vectorized=True, rng=np.random.default_rng(seed),
    )  # fmt: skip
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


@dataclass(frozen=True)
class Guard:
    """The gap guard's verdict for one dataset."""

    gap: float
    flagged: bool
    reason: str | None


def gap_guard(weak: np.ndarray, ceiling: np.ndarray, margin: float) -> Guard:
    """Flag when the mean ceiling - weak gap is below `margin` (PGR would be noise)."""
    if margin < 0:
        raise W2SGError(f"margin must be >= 0, got {margin}")
    gap = float(np.nanmean(np.asarray(ceiling, float) - np.asarray(weak, float)))
    if not np.isfinite(gap):
        return Guard(gap, True, "no finite weak/ceiling pair")
    if gap < margin:
        return Guard(gap, True, f"excluded: ceiling - weak = {gap:.4f} < margin {margin:g}")
    return Guard(gap, False, None)


def summarize_datasets(
    table: pd.DataFrame,
    *,
    metric: str = "accuracy",
    margin: float = 0.01,
    n_resamples: int = 10000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (dataset, pair, method): means over seeds, PGR mean / median / 95 % interval.

    `table` is the sweep's tidy table (one row per finished cell). The guard is decided per
    (dataset, pair) over all its cells, so every method sees the same datasets.
    """
    need = [*GROUP, "method", "seed", f"weak_{metric}", f"w2s_{metric}", f"ceiling_{metric}"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise W2SGError(f"table lacks column(s) {', '.join(missing)}")
    rows = []
    guards = {
        key: gap_guard(g[f"weak_{metric}"], g[f"ceiling_{metric}"], margin)
        for key, g in table.groupby(GROUP, sort=True)
    }
    for key, g in table.groupby([*GROUP, "method"], sort=True):
        guard = guards[key[:3]]
        values = pgr(g[f"weak_{metric}"], g[f"w2s_{metric}"], g[f"ceiling_{metric}"])
        finite = values[np.isfinite(values)]
        lo, hi = bootstrap_interval(finite, n_resamples=n_resamples, seed=seed)
        rows.append({
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
            "overlap_share": _mean(g, "overlap_share"),
            "mixing_slope": _mean(g, "mixing_slope"),
            "guarded": guard.flagged,
            "note": guard.reason or "",
        })  # fmt: skip
    return pd.DataFrame(rows)


def _mean(g: pd.DataFrame, column: str) -> float:
    if column not in g.columns:
        return np.nan
    return float(pd.to_numeric(g[column], errors="coerce").mean())


def across_datasets(per_dataset: pd.DataFrame) -> pd.DataFrame:
    """Per method (and pair): mean and median PGR over the datasets the guard keeps."""
    rows = []
    for key, g in per_dataset.groupby(["weak_model", "strong_model", "method"], sort=True):
        kept = g[~g["guarded"] & np.isfinite(g["pgr_mean"])]
        rows.append({
            "weak_model": key[0], "strong_model": key[1], "method": key[2],
            "datasets": len(kept), "excluded": int(len(g) - len(kept)),
            "pgr_mean": float(kept["pgr_mean"].mean()) if len(kept) else np.nan,
            "pgr_median": float(kept["pgr_mean"].median()) if len(kept) else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)
