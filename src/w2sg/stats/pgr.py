"""PGR, the performance gap recovered, and the rule that says when it means nothing.

PGR = (w2s - weak) / (ceiling - weak) (docs/methods.md#pgr) is undefined when ceiling <= weak
and unstable when the gap is tiny (the published anthropic_hh case: a gap of a point turns
noise into PGRs of +-5). One rule, used by every command: `pgr` for one triple, `pgr_values`
for arrays of them, `gap_guard` for a dataset's mean gap over seeds. `describe` summarises
a metric over seeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from w2sg.errors import W2SGError


@dataclass(frozen=True)
class PGR:
    """Performance gap recovered, or None with the reason it is undefined."""

    value: float | None
    reason: str | None = None

    def to_json(self) -> float | None:
        return self.value


def pgr(weak: float | None, w2s: float | None, ceiling: float | None) -> PGR:
    """(w2s - weak) / (ceiling - weak); undefined when ceiling <= weak.

    Example::

        w2sg.pgr(0.75, 0.83, 0.85).value                          # 0.8
        w2sg.pgr(0.75, 0.76, 0.74).reason                         # why there is none
    """
    if weak is None or w2s is None or ceiling is None:
        return PGR(None, "a metric is undefined (one class in the test labels?)")
    if ceiling <= weak:
        return PGR(None, f"ceiling ({ceiling:.4f}) is not above weak ({weak:.4f})")
    return PGR((w2s - weak) / (ceiling - weak))


def pgr_values(weak: ArrayLike, w2s: ArrayLike, ceiling: ArrayLike) -> np.ndarray:
    """`pgr` entry by entry; NaN where it is undefined."""
    weak, w2s, ceiling = (np.asarray(a, dtype=float) for a in (weak, w2s, ceiling))
    if not weak.shape == w2s.shape == ceiling.shape:
        raise W2SGError(
            f"weak, w2s, ceiling must have one shape, got "
            f"{weak.shape}, {w2s.shape}, {ceiling.shape}"
        )
    gap = ceiling - weak
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (w2s - weak) / gap, np.nan)


@dataclass(frozen=True)
class Guard:
    """The gap guard's verdict for one dataset."""

    gap: float
    flagged: bool
    reason: str | None


def gap_guard(weak: ArrayLike, ceiling: ArrayLike, margin: float) -> Guard:
    """Flag when the mean ceiling - weak gap is below `margin` (PGR would be noise)."""
    if margin < 0:
        raise W2SGError(f"margin must be >= 0, got {margin}")
    gap = float(np.nanmean(np.asarray(ceiling, float) - np.asarray(weak, float)))
    if not np.isfinite(gap):
        return Guard(gap, True, "no finite weak/ceiling pair")
    if gap < margin:
        return Guard(gap, True, f"excluded: ceiling - weak = {gap:.4f} < margin {margin:g}")
    return Guard(gap, False, None)


def describe(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Mean, std (ddof 0), median and count of the values that are defined (None and NaN are
    left out); None for each statistic when no value is."""
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return {"mean": None, "std": None, "median": None, "n": 0}
    return {
        "mean": float(np.mean(vals)),
        "std": float(np.std(vals)),
        "median": float(np.median(vals)),
        "n": len(vals),
    }
