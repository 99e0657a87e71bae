"""PGR, the performance gap recovered, and the one rule that says when it means nothing.

PGR = (w2s - weak) / (ceiling - weak) (docs/methods.md#pgr) is undefined when the gap is
below a margin (default 0.01): a gap of a point turns noise into PGRs of +-5 (the published
anthropic_hh case), and a gap of zero divides by zero. Every command uses this rule: `pgr` for
one seed, `pgr_values` for arrays of seeds, `pgr_over_seeds` for a run's seeds (mean and
median over the seeds that have a PGR, how many, and the PGR of the mean metrics beside them),
`gap_guard` for a dataset in a sweep. `describe` summarises a metric over seeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from w2sg.errors import W2SGError
from w2sg.stats.checks import metric, numbers, same_length


@dataclass(frozen=True)
class PGR:
    """Performance gap recovered, or None with the reason it is undefined."""

    value: float | None
    reason: str | None = None

    def to_json(self) -> float | None:
        return self.value


DEFAULT_MARGIN = 0.01


def check_margin(margin: float, name: str = "margin") -> float:
    """A PGR margin: a finite number >= 0."""
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not np.isfinite(margin):
        raise W2SGError(f"{name} must be a finite number >= 0, got {margin!r}")
    if margin < 0:
        raise W2SGError(f"{name} must be >= 0, got {margin}")
    return float(margin)


def pgr(
    weak: float | None, w2s: float | None, ceiling: float | None, margin: float = DEFAULT_MARGIN
) -> PGR:
    """(w2s - weak) / (ceiling - weak); none, with the reason, when ceiling - weak is below
    `margin` (or not above zero).

    Example::

        w2sg.pgr(0.75, 0.83, 0.85).value   # 0.8
        w2sg.pgr(0.750, 0.76, 0.755).reason  # 'no PGR: ceiling - weak = 0.005 < 0.01'
    """
    margin = check_margin(margin)
    weak, w2s, ceiling = (
        metric(x, n) for x, n in ((weak, "weak"), (w2s, "w2s"), (ceiling, "ceiling"))
    )
    if weak is None or w2s is None or ceiling is None:
        return PGR(None, "no PGR: a metric is undefined (one class in the test labels?)")
    gap = ceiling - weak
    if gap <= 0 or gap < margin:
        return PGR(
            None,
            f"no PGR: ceiling - weak = {gap:.3f} < {max(margin, 0.0):g}"
            if gap < margin
            else f"no PGR: ceiling - weak = {gap:.3f}, not above 0",
        )
    return PGR((w2s - weak) / gap)


def pgr_values(
    weak: ArrayLike, w2s: ArrayLike, ceiling: ArrayLike, margin: float = DEFAULT_MARGIN
) -> np.ndarray:
    """`pgr` entry by entry; NaN where it is undefined."""
    margin = check_margin(margin)
    weak, w2s, ceiling = (
        numbers(a, n) for a, n in ((weak, "weak"), (w2s, "w2s"), (ceiling, "ceiling"))
    )
    if not weak.shape == w2s.shape == ceiling.shape:
        raise W2SGError(
            f"weak, w2s, ceiling must have one shape, got "
            f"{weak.shape}, {w2s.shape}, {ceiling.shape}"
        )
    gap = ceiling - weak
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((gap > 0) & (gap >= margin), (w2s - weak) / gap, np.nan)


def pgr_reasons(
    weak: dict, w2s: dict, ceiling: dict, margin: float = DEFAULT_MARGIN
) -> dict[str, str]:
    """Per metric with no PGR, the reason (metrics with a PGR are left out)."""
    out = {}
    for m in ("accuracy", "auc"):
        reason = pgr(weak.get(m), w2s.get(m), ceiling.get(m), margin).reason
        if reason:
            out[m] = reason
    return out


def pgr_of_means(means: dict[str, dict], margin: float = DEFAULT_MARGIN) -> dict:
    """Per metric, the PGR of the mean weak, w2s and ceiling metrics (`means[model][metric]`),
    beside the mean of the seeds' PGRs."""
    return {
        m: pgr(means["weak"].get(m), means["w2s"].get(m), means["ceiling"].get(m), margin).value
        for m in ("accuracy", "auc")
    }


def pgr_over_seeds(
    weak: Iterable[float | None],
    w2s: Iterable[float | None],
    ceiling: Iterable[float | None],
    margin: float = DEFAULT_MARGIN,
) -> dict[str, Any]:
    """PGR of each seed under the one rule, and over the seeds that have one: mean, median,
    std, how many of how many, and the PGR of the mean metrics beside them.

    Example::

        s = pgr_over_seeds([0.7, 0.7, 0.75], [0.75, 0.75, 0.76], [0.8, 0.8, 0.751])
        s["mean"], s["n_defined"], s["reasons"]   # 0.5, 2, ['seed 2: no PGR: ...']
    """
    columns = {
        n: list(numbers(x, n)) for n, x in (("weak", weak), ("w2s", w2s), ("ceiling", ceiling))
    }
    same_length({n: np.asarray(c) for n, c in columns.items()})
    triples = [
        tuple(None if not np.isfinite(x) else float(x) for x in t)
        for t in zip(*columns.values(), strict=True)
    ]
    per = [pgr(a, b, c, margin) for a, b, c in triples]
    stats = describe(p.value for p in per)
    complete = [t for t in triples if None not in t]
    if complete:
        w, s, c = (float(np.mean([t[i] for t in complete])) for i in range(3))
        of_means = pgr(w, s, c, margin)
    else:
        of_means = PGR(None, "no PGR: no seed has all three metrics")
    return {
        "mean": stats["mean"],
        "median": stats["median"],
        "std": stats["std"],
        "n_defined": stats["n"],
        "n_seeds": len(triples),
        "per_seed": [p.value for p in per],
        "of_means": of_means.value,
        "reasons": [f"seed {i}: {p.reason}" for i, p in enumerate(per) if p.reason],
    }


@dataclass(frozen=True)
class Guard:
    """The gap guard's verdict for one dataset."""

    gap: float
    flagged: bool
    reason: str | None


def gap_guard(weak: ArrayLike, ceiling: ArrayLike, margin: float) -> Guard:
    """Flag when the mean ceiling - weak gap is below `margin` (PGR would be noise)."""
    margin = check_margin(margin)
    weak_a, ceiling_a = numbers(weak, "weak"), numbers(ceiling, "ceiling")
    same_length({"weak": weak_a, "ceiling": ceiling_a})
    diff = ceiling_a - weak_a
    gap = float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")
    if not np.isfinite(gap):
        return Guard(gap, True, "no finite weak/ceiling pair")
    if gap < margin:
        return Guard(gap, True, f"excluded: ceiling - weak = {gap:.4f} < margin {margin:g}")
    return Guard(gap, False, None)


def describe(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Mean, std (ddof 0), median and count of the values that are defined (None and NaN are
    left out); None for each statistic when no value is."""
    arr = numbers(list(values), "values")
    vals = [float(v) for v in arr if np.isfinite(v)]
    if not vals:
        return {"mean": None, "std": None, "median": None, "n": 0}
    return {
        "mean": float(np.mean(vals)),
        "std": float(np.std(vals)),
        "median": float(np.median(vals)),
        "n": len(vals),
    }
