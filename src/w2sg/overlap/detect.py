"""Overlap detection, the paper's Algorithm 1 (docs/methods.md#detection).

`detect_overlap(weak_probs, strong_acts)` takes plain arrays (numpy or torch) and returns a
frozen `OverlapResult` whose three index arrays partition the pool exactly:

    conf_i  = 2 |p_i - 0.5|
    t1      = changepoint_threshold(conf)
    hard    = {i : conf_i <= t1}        (variant B: conf_i < t1)
    score_i = max_{j in hard} sim(X_i, X_j)   for i in rest
    t2      = changepoint_threshold(score over rest)
    overlap = {i in rest : score_i >= t2},  easy_only = rest \\ overlap

Variant A (default): sim = |cosine|. Variant B: sim = raw dot product. Inside the bandit
loop (variant B with history, as the reference loop does it), earlier batches come in as they
were labelled in their own round: `history_hard_acts` join the keys of the similarity and
`history_nonhard_acts` join the scores that fit t2; t1 is this batch's alone, and only this
batch is partitioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.changepoint import ChangePoint, changepoint_threshold
from w2sg.overlap.detectors import detector_scores, parse_detector
from w2sg.overlap.similarity import max_similarity
from w2sg.validate import flag_value

Similarity = Literal["abs_cosine", "dot"]


@dataclass(frozen=True)
class OverlapResult:
    """A partition of the pool into overlap, easy-only and hard-only points
    (docs/methods.md#detection)."""

    overlap: np.ndarray  # positions in the pool
    easy_only: np.ndarray
    hard_only: np.ndarray
    confidence: np.ndarray  # 2|p - 0.5| per pool point
    scores: np.ndarray  # overlap score per pool point (NaN for hard-only points)
    confidence_threshold: float
    overlap_threshold: float | None
    fallback: bool  # a threshold fell back to the median, or the pool could not be split
    reasons: tuple[str, ...] = field(default_factory=tuple)
    similarity: str = "abs_cosine"
    detector: str = "reference"  # how confident points are scored (overlap/detectors.py)

    @property
    def n(self) -> int:
        return len(self.confidence)

    def counts(self) -> dict[str, int]:
        return {
            "n_overlap": int(len(self.overlap)),
            "n_easy_only": int(len(self.easy_only)),
            "n_hard_only": int(len(self.hard_only)),
        }

    def labels(self) -> np.ndarray:
        """Per-point type as strings: 'overlap', 'easy_only' or 'hard_only'."""
        out = np.empty(self.n, dtype=object)
        out[self.overlap] = "overlap"
        out[self.easy_only] = "easy_only"
        out[self.hard_only] = "hard_only"
        return out


def _as_numpy(x: object, name: str, ndim: int) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().float().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise W2SGError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise W2SGError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    # One pass with no full-size temporary; the exact count only when something is off.
    if not np.isfinite(np.sum(arr, dtype=np.float64)) and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).any(axis=tuple(range(1, arr.ndim))).sum())
        raise W2SGError(f"{name} has NaN or infinite values in {bad} rows; recompute or drop them")
    if ndim == 2 and arr.shape[1] == 0:
        raise W2SGError(f"{name} has shape {arr.shape}: no columns (features) to compare")
    return arr


def _pool_inputs(weak_probs: object, strong_acts: object) -> tuple[np.ndarray, np.ndarray]:
    """Validated (probs, acts) of the pool."""
    p = _as_numpy(weak_probs, "weak_probs", 1).astype(np.float64)
    x = _as_numpy(strong_acts, "strong_acts", 2)
    if len(p) != len(x):
        raise W2SGError(
            f"weak_probs has {len(p)} points but strong_acts has {len(x)} rows; they must align"
        )
    if len(p) == 0:
        raise W2SGError("the pool is empty: give at least one point")
    if (p < 0).any() or (p > 1).any():
        raise W2SGError(
            "weak_probs must be probabilities in [0, 1]; apply a sigmoid/softmax to logits first"
        )
    if not np.any(x):
        raise W2SGError(
            "strong_acts are all zero: every point would look alike and the overlap set "
            "would be meaningless; check the extraction (layer, pooling) that made them"
        )
    return p, x


def _history_inputs(hard: object, nonhard: object, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Earlier batches' hard and non-hard activations (empty when not given), checked."""
    out = []
    for name, acts in (("history_hard_acts", hard), ("history_nonhard_acts", nonhard)):
        arr = np.zeros((0, width)) if acts is None else _as_numpy(acts, name, 2)
        if arr.shape[1] != width:
            raise W2SGError(
                f"{name} has {arr.shape[1]} columns but strong_acts has {width}; they must match"
            )
        out.append(arr)
    return out[0], out[1]


def _scores(
    detector: str,
    queries: np.ndarray,
    q_rows: np.ndarray | None,
    keys: np.ndarray,
    k_rows: np.ndarray | None,
    similarity: Similarity,
) -> np.ndarray:
    """Overlap score of each selected query row against the selected key rows
    (docs/methods.md#detection)."""
    if detector == "reference":
        # rows selected in place: no copies of a large activation matrix
        scores = max_similarity(queries, keys, similarity, query_rows=q_rows, key_rows=k_rows)
    else:
        q = queries if q_rows is None else queries[q_rows]
        k = keys if k_rows is None else keys[k_rows]
        scores = detector_scores(detector, q, k, similarity)
    return np.asarray(scores, dtype=np.float64)


def _fit_scores(
    detector: str,
    x: np.ndarray,
    rest: np.ndarray,
    hard: np.ndarray,
    old_hard: np.ndarray,
    old_rest: np.ndarray,
    similarity: Similarity,
) -> np.ndarray:
    """Scores of this batch's non-hard points, then of the earlier non-hard points, against
    this batch's hard points and the earlier hard points (the pool over which t2 is fitted)."""
    if len(old_hard) == 0 and len(old_rest) == 0:
        return _scores(detector, x, rest, x, hard, similarity)
    queries = np.concatenate([x[rest], old_rest.astype(x.dtype, copy=False)])
    keys = np.concatenate([x[hard], old_hard.astype(x.dtype, copy=False)])
    return _scores(detector, queries, None, keys, None, similarity)


def detect_overlap(
    weak_probs: object,
    strong_acts: object,
    *,
    similarity: Similarity = "abs_cosine",
    strict_hard: bool = False,
    history_hard_acts: object | None = None,
    history_nonhard_acts: object | None = None,
    detector: str = "reference",
) -> OverlapResult:
    """Partition a pool into overlap / easy-only / hard-only points (docs/methods.md#detection,
    Algorithm 1).

    `weak_probs`: the weak model's P(y=1) per pool point, in [0, 1]. `strong_acts`: the strong
    model's activations of the pool, shape (n, d). `similarity`: 'abs_cosine' (variant A,
    default) or 'dot' (variant B). `strict_hard`: hard = conf < t1 (variant B) instead of conf <=
    t1. `history_hard_acts`, `history_nonhard_acts` (m, d): the strong activations of earlier
    batches' hard and non-hard points, as their own rounds labelled them (the bandit loop,
    docs/methods.md#detection variant B with history). t1 stays this pool's own; the earlier hard
    points join the keys and the earlier non-hard points join the scores that fit t2; only this
    pool is partitioned and the history is never re-labelled. `detector`: how a confident point
    is scored against the hard set: 'reference' (max similarity, docs/methods.md#detection),
    'knn' / 'knn:K' or 'mean' (see `w2sg.overlap.detectors`).

    Example::

        partition = w2sg.detect_overlap(weak_probs, strong_acts)
        partition.overlap, partition.easy_only, partition.hard_only  # positions in the pool
        partition.counts()  # {'n_overlap': ..., 'n_easy_only': ..., 'n_hard_only': ...}
    """
    parse_detector(detector)  # fail early on a bad name
    flag_value(strict_hard, "strict_hard")
    p, x = _pool_inputs(weak_probs, strong_acts)
    old_hard, old_rest = _history_inputs(history_hard_acts, history_nonhard_acts, x.shape[1])
    conf = 2.0 * np.abs(p - 0.5)
    cp1 = changepoint_threshold(conf)
    reasons = [f"confidence threshold: {cp1.reason}"] if cp1.fallback else []
    is_hard = conf < cp1.threshold if strict_hard else conf <= cp1.threshold
    hard = np.nonzero(is_hard)[0].astype(np.int64)
    rest = np.nonzero(~is_hard)[0].astype(np.int64)
    common = {
        "hard_only": hard,
        "confidence": conf,
        "scores": np.full(len(p), np.nan, dtype=np.float64),
        "confidence_threshold": cp1.threshold,
        "similarity": similarity,
        "detector": detector,
    }
    if len(rest) == 0 or len(hard) + len(old_hard) == 0:
        return _unsplit(conf, rest, reasons, common)
    fit = _fit_scores(detector, x, rest, hard, old_hard, old_rest, similarity)
    return _split(fit, rest, cp1.fallback, reasons, common)


def _unsplit(conf: np.ndarray, rest: np.ndarray, reasons: list[str], common: dict) -> OverlapResult:
    """No hard set to compare with: every confident point is easy-only, and the result says why."""
    reasons.append(
        "all points are equally confident: no hard set to compare with"
        if np.ptp(conf) == 0
        else "the confidence threshold put every point on one side"
    )
    return OverlapResult(
        overlap=np.array([], dtype=np.int64),
        easy_only=rest,
        overlap_threshold=None,
        fallback=True,
        reasons=tuple(reasons),
        **common,
    )


def _split(
    fit: np.ndarray, rest: np.ndarray, fell_back: bool, reasons: list[str], common: dict
) -> OverlapResult:
    """t2 from the scores (this pool's confident points first, then any history's); the
    confident points at or above it are overlap, the rest easy-only."""
    cp2: ChangePoint = changepoint_threshold(fit)
    if cp2.fallback:
        reasons.append(f"overlap threshold: {cp2.reason}")
    scores = common["scores"]
    scores[rest] = fit[: len(rest)]
    is_overlap = scores[rest] >= cp2.threshold
    return OverlapResult(
        overlap=rest[is_overlap],
        easy_only=rest[~is_overlap],
        overlap_threshold=cp2.threshold,
        fallback=fell_back or cp2.fallback,
        reasons=tuple(reasons),
        **common,
    )
