"""Overlap detection, the paper's Algorithm 1 (SPEC §3).

`detect_overlap(weak_probs, strong_acts)` takes plain arrays (numpy or torch) and returns a
frozen `OverlapResult` whose three index arrays partition the pool exactly:

    conf_i  = 2 |p_i - 0.5|
    t1      = changepoint_threshold(conf)
    hard    = {i : conf_i <= t1}        (variant B: conf_i < t1)
    score_i = max_{j in hard} sim(X_i, X_j)   for i in rest
    t2      = changepoint_threshold(score over rest)
    overlap = {i in rest : score_i >= t2},  easy_only = rest \\ overlap

Variant A (default): sim = |cosine|. Variant B: sim = raw dot product, and the hard set and
the pool for t2 may be augmented with earlier batches (`history`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.changepoint import ChangePoint, changepoint_threshold
from w2sg.overlap.detectors import detector_scores, parse_detector
from w2sg.overlap.similarity import max_similarity

Similarity = Literal["abs_cosine", "dot"]


@dataclass(frozen=True)
class OverlapResult:
    """A partition of the pool into overlap, easy-only and hard-only points (SPEC §3)."""

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


def _pool_inputs(
    weak_probs: object, strong_acts: object, history_probs: object, history_acts: object
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated (probs, acts) of the pool followed by its history, and the pool's size."""
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
    if (history_probs is None) != (history_acts is None):
        raise W2SGError("give both history_probs and history_acts, or neither")
    if history_probs is None:
        return p, x, len(p)
    hp = _as_numpy(history_probs, "history_probs", 1).astype(np.float64)
    hx = _as_numpy(history_acts, "history_acts", 2)
    if len(hp) != len(hx) or hx.shape[1] != x.shape[1]:
        raise W2SGError("history_probs and history_acts must align with each other and the pool")
    return np.concatenate([p, hp]), np.concatenate([x, hx]), len(p)


def _scores(
    detector: str, x: np.ndarray, rest: np.ndarray, hard: np.ndarray, similarity: str
) -> np.ndarray:
    """Overlap score of each `rest` row against the `hard` rows, by the named detector."""
    if detector == "reference":
        # rows selected in place: no copies of a large activation matrix
        scores = max_similarity(x, x, similarity, query_rows=rest, key_rows=hard)  # type: ignore[arg-type]
    else:
        scores = detector_scores(detector, x[rest], x[hard], similarity)  # type: ignore[arg-type]
    return np.asarray(scores, dtype=np.float64)


def detect_overlap(
    weak_probs: object,
    strong_acts: object,
    *,
    similarity: Similarity = "abs_cosine",
    strict_hard: bool = False,
    history_probs: object | None = None,
    history_acts: object | None = None,
    detector: str = "reference",
) -> OverlapResult:
    """Partition a pool into overlap / easy-only / hard-only points (SPEC §3, Algorithm 1).

    `weak_probs`: the weak model's P(y=1) per pool point, in [0, 1].
    `strong_acts`: the strong model's activations of the pool, shape (n, d).
    `similarity`: 'abs_cosine' (variant A, default) or 'dot' (variant B).
    `strict_hard`: hard = conf < t1 (variant B) instead of conf <= t1.
    `history_probs`, `history_acts`: earlier batches (variant B); they join the pool for both
    thresholds and the hard set, but only the current pool is partitioned.
    `detector`: how a confident point is scored against the hard set: 'reference' (max
    similarity, SPEC §3), 'knn' / 'knn:K' or 'mean' (see `w2sg.overlap.detectors`).
    """
    parse_detector(detector)  # fail early on a bad name
    p_all, x_all, n = _pool_inputs(weak_probs, strong_acts, history_probs, history_acts)

    conf_all = 2.0 * np.abs(p_all - 0.5)
    reasons: list[str] = []
    cp1 = changepoint_threshold(conf_all)
    if cp1.fallback:
        reasons.append(f"confidence threshold: {cp1.reason}")
    hard_all = conf_all < cp1.threshold if strict_hard else conf_all <= cp1.threshold
    conf = conf_all[:n]
    is_hard = hard_all[:n]
    scores = np.full(n, np.nan, dtype=np.float64)

    rest_all = np.nonzero(~hard_all)[0]
    if not hard_all.any() or len(rest_all) == 0:
        reasons.append(
            "all points are equally confident: no hard set to compare with"
            if np.ptp(conf_all) == 0
            else "the confidence threshold put every point on one side"
        )
        hard_idx = np.nonzero(is_hard)[0]
        easy_idx = np.nonzero(~is_hard)[0]
        return OverlapResult(
            overlap=np.array([], dtype=np.int64),
            easy_only=easy_idx.astype(np.int64),
            hard_only=hard_idx.astype(np.int64),
            confidence=conf,
            scores=scores,
            confidence_threshold=cp1.threshold,
            overlap_threshold=None,
            fallback=True,
            reasons=tuple(reasons),
            similarity=similarity,
            detector=detector,
        )

    score_all = _scores(detector, x_all, rest_all, np.nonzero(hard_all)[0], similarity)
    cp2: ChangePoint = changepoint_threshold(score_all)
    if cp2.fallback:
        reasons.append(f"overlap threshold: {cp2.reason}")
    in_pool = rest_all < n
    scores[rest_all[in_pool]] = score_all[in_pool]

    rest = np.nonzero(~is_hard)[0]
    is_overlap = scores[rest] >= cp2.threshold
    return OverlapResult(
        overlap=rest[is_overlap].astype(np.int64),
        easy_only=rest[~is_overlap].astype(np.int64),
        hard_only=np.nonzero(is_hard)[0].astype(np.int64),
        confidence=conf,
        scores=scores,
        confidence_threshold=cp1.threshold,
        overlap_threshold=cp2.threshold,
        fallback=cp1.fallback or cp2.fallback,
        reasons=tuple(reasons),
        similarity=similarity,
        detector=detector,
    )
