"""How the bandit of docs/methods.md#selection detects overlap in a batch and estimates an arm's
density.

Detection rules (how a pulled batch is partitioned, docs/methods.md#detection):
- `history` (the default, the reference loop): variant B; t1 from this batch's confidences
  alone, keys = this batch's hard points ∪ every earlier batch's hard points, t2 fitted on the
  scores of this batch's non-hard points ∪ every earlier non-hard point; earlier batches keep
  the labels their own round gave them.
- `pooled` (w2sg's earlier rule): variant B on this batch ∪ everything collected before, with
  both thresholds refitted on the union every round and the collected set re-labelled. t1 then
  rests on all collected points, not on one batch of ~n points, so it is steadier when batches
  are small; kept to reproduce earlier w2sg runs and to measure how much the arm choices of
  the reference rule hang on its per-batch t1.
- `batch`: variant A on the batch alone (no history).

Estimators (what ô_k, the UCB index's estimate, counts):
- `reference`: the points the detection rule called overlap / points drawn from arm k. It is
  relative: every round re-splits whatever has been collected, so an arm that gives only
  overlap points still shows a ratio well below 1.
- `calibrated` (w2sg's own): Algorithm 1 (variant A, the offline detection that defines
  constructed arms) runs once on a calibration sample of the pool (the whole pool when it has
  at most `calibration_size` points, the default 5,000; else a uniform random sample); its two
  thresholds and its hard points (the keys) are then fixed, and every batch is classified
  against them. A point's label no longer depends on what else was drawn, so ô_k means the
  same in every round and for every arm: the density of a source relative to the pool.

Why the pool and not a sample of the arms: an overlap point is one whose strong activation
lies near *some* hard point of the pool, so the keys must cover the pool's hard points. On the
default study (rotten_tomatoes, 4,000 pool points, arms 0.1 / 0.9) keys from 400 points drawn
from the arms put the 0.9 arm at 0.60-0.69, from all 2,248 arm points at 0.71-0.75, from 2,000
pool points at 0.79-0.82, and from the whole pool at its true density (bench/selection_rules.py
prints these). Constructed arms are carved from the pool, so with the whole pool the calibrated
detector reproduces the partition that defines their true densities: the estimate's only error
is then the sampling error of the drawn batches, and that is what it should be. On natural
sources it measures each source's density on the scale of the whole pool's partition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult, detect_overlap
from w2sg.overlap.detectors import detector_scores
from w2sg.overlap.similarity import as_similarity

DETECTIONS: tuple[str, ...] = ("history", "pooled", "batch")
ESTIMATORS: tuple[str, ...] = ("reference", "calibrated")
DEFAULT_DETECTION = "history"
DEFAULT_ESTIMATOR = "reference"
DEFAULT_CALIBRATION_SIZE = 5000


def check_names(detection: str, estimator: str) -> None:
    """Fail early on an unknown detection rule or estimator."""
    if detection not in DETECTIONS:
        raise W2SGError(f"unknown detection rule {detection!r}; use {', '.join(DETECTIONS)}")
    if estimator not in ESTIMATORS:
        raise W2SGError(f"unknown estimator {estimator!r}; use {', '.join(ESTIMATORS)}")


def detect_batch(
    detection: str,
    weak_probs: np.ndarray,
    strong_acts: np.ndarray,
    batch: np.ndarray,
    *,
    hard_before: np.ndarray,
    nonhard_before: np.ndarray,
    similarity: str,
    detector: str = "reference",
) -> OverlapResult:
    """Partition one pulled batch by a detection rule (docs/methods.md#detection variant B with
    history, docs/methods.md#selection).

    `batch`, `hard_before`, `nonhard_before`: pool positions of this batch and of the earlier
    batches' points as their own rounds labelled them. The result indexes the batch.
    """
    if detection not in DETECTIONS:
        raise W2SGError(f"unknown detection rule {detection!r}; use {', '.join(DETECTIONS)}")
    p, x = weak_probs[batch], strong_acts[batch]
    if detection == "batch":
        return detect_overlap(p, x, similarity=as_similarity(similarity), detector=detector)
    if detection == "history":
        return detect_overlap(
            p,
            x,
            similarity=as_similarity(similarity),
            strict_hard=True,
            history_hard_acts=strong_acts[hard_before] if len(hard_before) else None,
            history_nonhard_acts=strong_acts[nonhard_before] if len(nonhard_before) else None,
            detector=detector,
        )
    before = np.concatenate([hard_before, nonhard_before]).astype(np.int64)
    rows = np.concatenate([batch, before])
    res = detect_overlap(
        weak_probs[rows],
        strong_acts[rows],
        similarity=as_similarity(similarity),
        strict_hard=True,
        detector=detector,
    )
    n = len(batch)
    return OverlapResult(
        overlap=res.overlap[res.overlap < n],
        easy_only=res.easy_only[res.easy_only < n],
        hard_only=res.hard_only[res.hard_only < n],
        confidence=res.confidence[:n],
        scores=res.scores[:n],
        confidence_threshold=res.confidence_threshold,
        overlap_threshold=res.overlap_threshold,
        fallback=res.fallback,
        reasons=res.reasons,
        similarity=res.similarity,
        detector=res.detector,
    )


def calibration_sample(n_pool: int, size: int, seed: int) -> np.ndarray:
    """Sorted pool positions of the calibration sample: the whole pool when it has at most
    `size` points, else `size` points drawn uniformly at random (with `seed`)."""
    if size < 1:
        raise W2SGError(f"calibration_size must be at least 1, got {size}")
    if n_pool <= size:
        return np.arange(n_pool, dtype=np.int64)
    rng = np.random.default_rng([seed, 2])
    return np.sort(rng.choice(n_pool, size, replace=False)).astype(np.int64)


@dataclass(frozen=True)
class CalibratedDetector:
    """Algorithm 1's two thresholds and its hard points, fixed once from a calibration sample
    so that every later batch is classified on the same scale (docs/methods.md#selection, w2sg's
    estimator)."""

    confidence_threshold: float
    overlap_threshold: float
    keys: np.ndarray = field(repr=False)  # strong activations of the sample's hard points
    similarity: str = "abs_cosine"
    strict_hard: bool = False
    detector: str = "reference"
    sample_size: int = 0
    sample_overlap: float = 0.0  # share of the sample Algorithm 1 called overlap
    reasons: tuple[str, ...] = ()

    @classmethod
    def fit(
        cls,
        weak_probs: np.ndarray,
        strong_acts: np.ndarray,
        *,
        similarity: str = "abs_cosine",
        strict_hard: bool = False,
        detector: str = "reference",
    ) -> CalibratedDetector:
        """Run Algorithm 1 on the calibration sample and keep its thresholds and keys."""
        res = detect_overlap(
            weak_probs,
            strong_acts,
            similarity=as_similarity(similarity),
            strict_hard=strict_hard,
            detector=detector,
        )
        if res.overlap_threshold is None:
            raise W2SGError(
                f"the calibration sample of {res.n} points could not be split "
                f"({'; '.join(res.reasons)}); give a larger calibration_size"
            )
        return cls(
            confidence_threshold=res.confidence_threshold,
            overlap_threshold=res.overlap_threshold,
            keys=np.asarray(strong_acts)[res.hard_only],
            similarity=similarity,
            strict_hard=strict_hard,
            detector=detector,
            sample_size=res.n,
            sample_overlap=len(res.overlap) / res.n,
            reasons=res.reasons,
        )

    def classify(self, weak_probs: np.ndarray, strong_acts: np.ndarray) -> OverlapResult:
        """Partition points against the fixed thresholds and keys; no threshold is refitted."""
        p = np.asarray(weak_probs, dtype=np.float64).ravel()
        x = np.asarray(strong_acts)
        if x.ndim != 2 or len(x) != len(p) or x.shape[1] != self.keys.shape[1]:
            raise W2SGError(
                f"strong_acts {x.shape} must have one row per weak_probs entry ({len(p)}) "
                f"and the calibration's width {self.keys.shape[1]}"
            )
        conf = 2.0 * np.abs(p - 0.5)
        t1 = self.confidence_threshold
        is_hard = conf < t1 if self.strict_hard else conf <= t1
        rest = np.nonzero(~is_hard)[0].astype(np.int64)
        scores = np.full(len(p), np.nan)
        if len(rest):
            scores[rest] = detector_scores(self.detector, x[rest], self.keys, self.similarity)
        is_overlap = scores[rest] >= self.overlap_threshold
        return OverlapResult(
            overlap=rest[is_overlap],
            easy_only=rest[~is_overlap],
            hard_only=np.nonzero(is_hard)[0].astype(np.int64),
            confidence=conf,
            scores=scores,
            confidence_threshold=t1,
            overlap_threshold=self.overlap_threshold,
            fallback=False,
            similarity=self.similarity,
            detector=self.detector,
        )

    def to_json(self) -> dict:
        """The fixed thresholds and what they came from (the keys themselves are left out)."""
        return {
            "confidence_threshold": self.confidence_threshold,
            "overlap_threshold": self.overlap_threshold,
            "n_keys": int(len(self.keys)),
            "similarity": self.similarity,
            "strict_hard": self.strict_hard,
            "detector": self.detector,
            "sample_size": self.sample_size,
            "sample_overlap": self.sample_overlap,
            "reasons": list(self.reasons),
        }
