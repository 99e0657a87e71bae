"""Intervals of a mean over seeds or datasets (docs/methods.md#statistics)."""

from __future__ import annotations

import numpy as np

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.stats.checks import numbers


def bootstrap_interval(
    values: np.ndarray, *, level: float = 0.95, n_resamples: int = 10000, seed: int = 0
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of the mean of `values` (NaNs dropped); None if < 2 values.

    scipy.stats.bootstrap does the resampling; `seed` makes the interval reproducible.
    """
    from scipy import stats  # heavy: loaded on first use

    if v.number(level, "level", low=0.0, low_open=True) >= 1:
        raise W2SGError(f"level must lie in (0, 1), got {level}")
    v.positive(n_resamples, "n_resamples")
    v.seed(seed)
    x = numbers(values, "values")
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return None, None
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    res = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=level,
        n_resamples=n_resamples,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)
