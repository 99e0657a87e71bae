"""How strong a change point is: a found gap in the scores, or an arbitrary cut through them
(docs/methods.md#split-strength).

The statistic is the share of the scores' squared error that the best split removes,

    R = 1 - (SSE(s[:k]) + SSE(s[k:])) / SSE(s)

with k the change point of `w2sg.overlap.changepoint` (same candidates: every 5th position,
at least 2 scores a side). R does not change under an affine map of the scores, so the null
"uniform scores over the same range" is the same for every range: R of n uniform draws on
[0, 1], whose best cut is the median and removes about 75 % of the error. A flat histogram
has no change point; a bell-shaped one removes less (2/pi for a normal), two groups of scores
with room between them more (a tight group beside a sparse tail also counts). We report

    effect = (R - mean R_null) / (1 - mean R_null)   (0: as a uniform histogram, 1: two points)
    p      = (1 + #{R_null >= R}) / (1 + draws)

and call the split **found** when p <= `alpha` and effect >= `min_effect`, else **arbitrary**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.overlap.changepoint import JUMP, MIN_SIZE, _as_scores, changepoint_index
from w2sg.overlap.detect import OverlapResult

NULL_DRAWS = 999
ALPHA = 0.01
MIN_EFFECT = 0.1
_CHUNK = 64  # null draws per vectorised block (64 x 4,000 floats: 2 MB)


@dataclass(frozen=True)
class SplitStrength:
    """The change point of some scores, what share of their squared error it removes, and
    that share against the best cut of uniform scores of the same count."""

    n: int
    threshold: float | None
    split_quantile: float | None  # share of the scores below the threshold (k / n)
    reduction: float | None  # R: share of the squared error the split removes
    null_mean: float | None  # mean R of uniform scores of the same count
    null_std: float | None
    effect: float | None  # (R - null_mean) / (1 - null_mean)
    z: float | None  # (R - null_mean) / null_std
    p_value: float | None
    verdict: str  # "found", "arbitrary" or "untested"
    draws: int
    reason: str | None = None  # why untested

    @property
    def found(self) -> bool | None:
        """True for a found gap, False for an arbitrary cut, None when untested."""
        return None if self.verdict == "untested" else self.verdict == "found"

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["found"] = self.found
        return out


def split_reduction(sorted_scores: np.ndarray, k: int) -> float:
    """R of the split of an ascending array before position k (NaN without spread)."""
    s = np.asarray(sorted_scores, dtype=np.float64)
    total = float(((s - s.mean()) ** 2).sum())
    if not total > 0:
        return float("nan")
    left, right = s[:k], s[k:]
    within = float(((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum())
    return max(0.0, 1.0 - within / total)


def null_reductions(n: int, draws: int = NULL_DRAWS, seed: int = 0) -> np.ndarray:
    """R of the best admissible split of `draws` samples of n uniform scores (n >= 7)."""
    ks = np.arange(0, n, JUMP)
    ks = ks[(ks >= MIN_SIZE) & (n - ks >= MIN_SIZE)]
    if len(ks) == 0:
        raise W2SGError(f"{n} scores are too few for a change point (need 7)")
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, draws, _CHUNK):
        s = np.sort(rng.uniform(size=(min(_CHUNK, draws - start), n)), axis=1)
        c = s - s.mean(axis=1, keepdims=True)
        p1 = np.concatenate([np.zeros((len(c), 1)), np.cumsum(c, axis=1)], axis=1)
        p2 = np.concatenate([np.zeros((len(c), 1)), np.cumsum(c * c, axis=1)], axis=1)
        left = p2[:, ks] - p1[:, ks] ** 2 / ks
        right = (p2[:, [n]] - p2[:, ks]) - (p1[:, [n]] - p1[:, ks]) ** 2 / (n - ks)
        out.append(1.0 - (left + right).min(axis=1) / p2[:, n])
    return np.concatenate(out)


def split_strength(
    scores: object,
    *,
    draws: int = NULL_DRAWS,
    alpha: float = ALPHA,
    min_effect: float = MIN_EFFECT,
    seed: int = 0,
) -> SplitStrength:
    """Whether the change point of `scores` finds a gap or cuts arbitrarily
    (docs/methods.md#split-strength).

    `scores`: any 1-d numbers (weak confidences 2|p - 0.5|, overlap scores); NaN and infinite
    values are refused. `draws` uniform samples of the same count make the null; the verdict is
    "found" when the p-value is at most `alpha` and the effect at least `min_effect`,
    "arbitrary" otherwise, "untested" with fewer than 7 scores or no spread.

    Example::

        strength = w2sg.split_strength(2 * abs(weak_probs - 0.5))
        strength.verdict, strength.effect, strength.p_value   # 'arbitrary', 0.01, 0.31
    """
    s = _as_scores(scores, "scores")
    if s.ndim > 1:
        raise W2SGError(f"split_strength: scores must be 1-d (one score a point), got {s.shape}")
    s = s.ravel()
    if not np.isfinite(s).all():
        raise W2SGError("split_strength: scores contain NaN or infinity")
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise W2SGError(f"split_strength: draws must be a positive whole number, got {draws!r}")
    _check_test(alpha, min_effect, seed)
    s = np.sort(s)
    n = len(s)
    k = changepoint_index(s) if n else None
    if k is None or not np.ptp(s) > 0:
        why = "all scores are equal" if k is not None else f"{n} scores are too few (need 7)"
        return _untested(n, None if k is None else float(s[k]), k, why, draws)
    reduction = split_reduction(s, k)
    null = null_reductions(n, draws, seed)
    mean = float(null.mean())
    std = float(null.std(ddof=1)) if draws > 1 else 0.0
    effect = (reduction - mean) / (1.0 - mean)
    p = (1 + int((null >= reduction).sum())) / (1 + draws)
    found = p <= alpha and effect >= min_effect
    return SplitStrength(
        n=n,
        threshold=float(s[k]),
        split_quantile=k / n,
        reduction=reduction,
        null_mean=mean,
        null_std=std,
        effect=float(effect),
        z=float((reduction - mean) / std) if std > 0 else None,
        p_value=p,
        verdict="found" if found else "arbitrary",
        draws=draws,
    )


def _untested(
    n: int, threshold: float | None, k: int | None, why: str, draws: int
) -> SplitStrength:
    return SplitStrength(
        n=n,
        threshold=threshold,
        split_quantile=None if k is None else k / n,
        reduction=None,
        null_mean=None,
        null_std=None,
        effect=None,
        z=None,
        p_value=None,
        verdict="untested",
        draws=draws,
        reason=why,
    )


def _ordinal(x: float) -> str:
    """32 -> '32nd', 11 -> '11th'."""
    n = int(round(x))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_split(strength: dict | SplitStrength | None, what: str = "split") -> str:
    """One sentence on a split's strength, e.g. for summary.md ("The confidence split at
    0.512 ... : an arbitrary cut.")."""
    st = strength.to_json() if isinstance(strength, SplitStrength) else strength
    if not st:
        return ""
    if st["verdict"] == "untested":
        return f"The {what} was not tested: {st.get('reason') or 'no scores'}."
    words = "a found gap" if st["verdict"] == "found" else "an arbitrary cut"
    return (
        f"The {what} at {st['threshold']:.4f} (the {_ordinal(100 * st['split_quantile'])} "
        f"percentile of {st['n']:,} points) removes {100 * st['reduction']:.1f}% of the squared "
        f"error; the best cut of as many uniform scores removes {100 * st['null_mean']:.1f}% "
        f"(± {100 * st['null_std']:.1f}%): effect {st['effect']:.2f}, p = {st['p_value']:.3f} "
        f"({st['draws']} uniform draws): {words}."
    )


def _check_test(alpha: float, min_effect: float, seed: int) -> None:
    """The test's settings: a level in (0, 1), an effect in [0, 1], a seed."""
    if v.number(alpha, "split_strength: alpha", low=0.0, low_open=True) >= 1:
        raise W2SGError(
            f"split_strength: alpha must be below 1 (a significance level), got {alpha}"
        )
    v.number(min_effect, "split_strength: min_effect", low=0.0, high=1.0)
    v.seed(seed, "split_strength: seed")


def split_strengths(partition: OverlapResult) -> dict:
    """The strength of both thresholds of a detected partition (an `OverlapResult`), for
    results.json: `confidence_split` (t1, on every point's confidence) and `overlap_split`
    (t2, on the confident points' overlap scores; None when nothing was scored)."""
    scores = partition.scores[np.isfinite(partition.scores)]
    overlap = None if partition.overlap_threshold is None else split_strength(scores).to_json()
    return {
        "confidence_split": split_strength(partition.confidence).to_json(),
        "overlap_split": overlap,
    }
