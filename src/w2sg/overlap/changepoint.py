"""The change-point threshold of docs/methods.md#detection, in O(n) with prefix sums.

It finds the same breakpoint as the reference
`ruptures.Binseg(model="l2", min_size=2, jump=5).fit(s).predict(n_bkps=1)[0]` on sorted
scores s: among candidates k in {0, 5, 10, ...} with 2 <= k <= n-2, the k minimising
SSE(s[:k]) + SSE(s[k:]) (ties: the largest k); the threshold is s[k]. With no candidate
(n < 7) the threshold is the median, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.errors import W2SGError

JUMP = 5
MIN_SIZE = 2


@dataclass(frozen=True)
class ChangePoint:
    """A threshold on a score, where it came from, and whether it fell back to the median."""

    threshold: float
    index: int | None  # position in the sorted scores; None when the median was used
    fallback: bool
    reason: str | None = None


def changepoint_index(sorted_scores: np.ndarray) -> int | None:
    """The reference breakpoint of an ascending array, or None when no candidate exists."""
    s = _as_scores(sorted_scores, "sorted_scores")
    n = len(s)
    ks = np.arange(0, n, JUMP)
    ks = ks[(ks >= MIN_SIZE) & (n - ks >= MIN_SIZE)]
    if len(ks) == 0:
        return None
    c = s - s.mean()  # centring keeps the prefix-sum SSEs accurate
    p1 = np.concatenate([[0.0], np.cumsum(c)])
    p2 = np.concatenate([[0.0], np.cumsum(c * c)])
    left = p2[ks] - p1[ks] ** 2 / ks
    right = (p2[n] - p2[ks]) - (p1[n] - p1[ks]) ** 2 / (n - ks)
    cost = left + right
    # Candidates within float noise of the best are re-scored with the reference's own
    # arithmetic (numpy variance times length, gain = total - left - right, max over
    # (gain, k)), so exact ties resolve as ruptures resolves them. Usually one candidate.
    tol = 1e-9 * max(p2[n], np.finfo(np.float64).tiny)
    near = ks[cost <= cost.min() + tol]
    if len(near) == 1:
        return int(near[0])
    total = _l2_error(s, 0, n)
    gains = [(total - _l2_error(s, 0, k) - _l2_error(s, k, n), int(k)) for k in near]
    return max(gains)[1]


def _as_scores(scores: object, name: str) -> np.ndarray:
    """A float64 array of `scores`, or an error naming the argument (strings, objects)."""
    if hasattr(scores, "detach"):  # torch tensor
        scores = scores.detach().cpu().numpy()
    if isinstance(scores, str | bytes | dict) or scores is None:
        raise W2SGError(f"{name} must be an array of numbers, got {type(scores).__name__}")
    arr = np.asarray(scores)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise W2SGError(f"{name} must be numbers, got an array of dtype {arr.dtype}")
    if arr.ndim > 1 and name == "sorted_scores":
        raise W2SGError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    return arr.astype(np.float64)


def _l2_error(s: np.ndarray, start: int, end: int) -> float:
    """ruptures' CostL2.error: the segment's variance times its length."""
    return float(s[start:end].reshape(-1, 1).var(axis=0).sum() * (end - start))


def changepoint_threshold(scores: np.ndarray) -> ChangePoint:
    """The threshold separating low from high scores (docs/methods.md#detection); `scores` need not
    be sorted."""
    s = _as_scores(scores, "scores").ravel()
    if len(s) == 0:
        raise W2SGError("changepoint_threshold: no scores given")
    if not np.isfinite(s).all():
        raise W2SGError("changepoint_threshold: scores contain NaN or infinity")
    s = np.sort(s)
    k = changepoint_index(s)
    if k is None:
        return ChangePoint(
            threshold=float(np.median(s)),
            index=None,
            fallback=True,
            reason=f"{len(s)} points are too few for a change point (need 7); used the median",
        )
    return ChangePoint(threshold=float(s[k]), index=k, fallback=False)
