"""The bandit's detection rules and its calibrated estimator (docs/methods.md#detection variant B,
docs/methods.md#selection)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.overlap.detect import detect_overlap
from w2sg.selection.arms import construct_arms
from w2sg.selection.estimators import (
    CalibratedDetector,
    calibration_sample,
    check_names,
    detect_batch,
)
from w2sg.selection.ucb import run_selection


def _probs(conf: list[float]) -> np.ndarray:
    return 0.5 + np.asarray(conf) / 2  # conf = 2|p - 0.5|


@pytest.fixture()
def two_batches() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batch A (positions 0-9), then batch B (10-19), built so the two rules part ways.

    A: conf 0.10-0.14 (u = [1, 0]) and 0.50-0.54 ([1, 0]). Alone (10 points, the only change
       point candidate is k = 5) t1 = 0.50: hard = the five 0.1s, non-hard = the five 0.5s.
    B: conf 0.60-0.64 (v = [0, 1]) and 0.95-0.99 ([0, 3] twice, [0.5, 0.5] three times).
    """
    conf = [0.10, 0.11, 0.12, 0.13, 0.14, 0.50, 0.51, 0.52, 0.53, 0.54]
    conf += [0.60, 0.61, 0.62, 0.63, 0.64, 0.95, 0.96, 0.97, 0.98, 0.99]
    acts = np.array(
        [[1, 0]] * 10 + [[0, 1]] * 5 + [[0, 3]] * 2 + [[0.5, 0.5]] * 3, dtype=np.float32
    )
    batch_a, batch_b = np.arange(10), np.arange(10, 20)
    return _probs(conf), acts, batch_a, batch_b


def test_reference_and_pooled_rules_differ_on_a_hand_built_sequence(two_batches) -> None:
    probs, acts, batch_a, batch_b = two_batches
    none = np.zeros(0, np.int64)
    first = detect_batch(
        "history", probs, acts, batch_a, hard_before=none, nonhard_before=none, similarity="dot"
    )
    assert first.confidence_threshold == pytest.approx(0.50)
    np.testing.assert_array_equal(first.hard_only, [0, 1, 2, 3, 4])
    hard_a = batch_a[first.hard_only]
    nonhard_a = batch_a[np.sort(np.concatenate([first.overlap, first.easy_only]))]

    # Reference: t1 of B alone = 0.95 (k = 5), so B's 0.6s are hard. Keys = B's hard (v) and
    # A's hard (u); scores: [0, 3] -> 3, [0.5, 0.5] -> 0.5, A's non-hard [1, 0] -> 1. The ten
    # scores 0.5 x3, 1 x5, 3 x2 give t2 = the sixth smallest = 1: B's [0, 3]s are overlap.
    ref = detect_batch(
        "history", probs, acts, batch_b, hard_before=hard_a, nonhard_before=nonhard_a,
        similarity="dot",
    )  # fmt: skip
    assert ref.confidence_threshold == pytest.approx(0.95)
    assert ref.overlap_threshold == pytest.approx(1.0)
    assert ref.hard_only.tolist() == [0, 1, 2, 3, 4]
    assert ref.overlap.tolist() == [5, 6]
    assert ref.easy_only.tolist() == [7, 8, 9]
    direct = detect_overlap(
        probs[batch_b], acts[batch_b], similarity="dot", strict_hard=True,
        history_hard_acts=acts[hard_a], history_nonhard_acts=acts[nonhard_a],
    )  # fmt: skip
    assert direct.overlap.tolist() == ref.overlap.tolist()

    # Pooled: t1 over A ∪ B (candidates k = 5, 10, 15; SSE 0.56 / 0.71 / 0.70) = 0.50, so
    # B's 0.6s turn non-hard and the keys are A's u alone. Fifteen scores 0 x7, 0.5 x3,
    # 1 x5: k = 10 (SSE 0.525 < 1.525) gives t2 = 1, which no point of B reaches.
    pooled = detect_batch(
        "pooled", probs, acts, batch_b, hard_before=hard_a, nonhard_before=nonhard_a,
        similarity="dot",
    )  # fmt: skip
    assert pooled.confidence_threshold == pytest.approx(0.50)
    assert pooled.overlap_threshold == pytest.approx(1.0)
    assert pooled.hard_only.tolist() == []
    assert pooled.overlap.tolist() == []
    assert pooled.easy_only.tolist() == list(range(10))


def test_calibrated_detector_freezes_thresholds_and_keys(two_batches) -> None:
    probs, acts, batch_a, batch_b = two_batches
    rows = np.concatenate([batch_a, batch_b])
    cal = CalibratedDetector.fit(probs[rows], acts[rows], similarity="dot", strict_hard=True)
    fitted = detect_overlap(probs[rows], acts[rows], similarity="dot", strict_hard=True)
    again = cal.classify(probs[rows], acts[rows])  # the sample itself: the same partition
    for name in ("overlap", "easy_only", "hard_only"):
        np.testing.assert_array_equal(getattr(again, name), getattr(fitted, name))
    assert len(cal.keys) == len(fitted.hard_only)
    # a point's label does not depend on the batch it comes in
    whole = cal.classify(probs[batch_b], acts[batch_b]).labels()
    alone = [cal.classify(probs[[i]], acts[[i]]).labels()[0] for i in batch_b]
    assert whole.tolist() == alone
    assert cal.to_json()["n_keys"] == len(fitted.hard_only)


def test_calibration_sample_is_the_whole_pool_or_a_uniform_sample_of_it() -> None:
    np.testing.assert_array_equal(calibration_sample(50, 50, seed=4), np.arange(50))
    np.testing.assert_array_equal(calibration_sample(50, 400, seed=4), np.arange(50))
    sample = calibration_sample(1000, 60, seed=4)
    assert len(np.unique(sample)) == 60 and sample.min() >= 0 and sample.max() < 1000
    assert (np.diff(sample) > 0).all()  # sorted
    np.testing.assert_array_equal(sample, calibration_sample(1000, 60, seed=4))
    assert not np.array_equal(sample, calibration_sample(1000, 60, seed=5))
    with pytest.raises(W2SGError, match="calibration_size"):
        calibration_sample(1000, 0, seed=0)


def test_unknown_rule_or_estimator_is_rejected() -> None:
    with pytest.raises(W2SGError, match="detection rule"):
        check_names("rolling", "reference")
    with pytest.raises(W2SGError, match="estimator"):
        check_names("history", "bayes")


def planted_pool(n_per_type: int, d: int = 16, seed: int = 0):
    """Weak probs, strong acts, types and labels where Algorithm 1 recovers the planted types."""
    rng = np.random.default_rng(seed)
    types = np.repeat(np.array(["easy_only", "hard_only", "overlap"]), n_per_type)
    y = rng.choice([-1.0, 1.0], len(types))
    easy, hard = rng.normal(0, 0.3, (2, len(types), d))
    easy[types != "hard_only", 0] += 3.0 * y[types != "hard_only"]
    hard[types != "easy_only", 0] += 3.0 * y[types != "easy_only"]
    probs = 1.0 / (1.0 + np.exp(-2.0 * easy[:, 0]))
    return probs, np.hstack([easy, hard]).astype(np.float32), types, (y > 0).astype(int)


def test_calibrated_estimate_tracks_true_density_and_ucb_keeps_to_the_dense_arm() -> None:
    probs, acts, types, _ = planted_pool(500)
    _, test_acts, _, test_y = planted_pool(20, seed=9)
    sets = [np.nonzero(types == k)[0] for k in ("overlap", "easy_only", "hard_only")]
    assert (detect_overlap(probs, acts).labels() == types).mean() > 0.98
    for seed in (0, 1, 2):
        arms = construct_arms(*sets, (0.1, 0.9), seed=seed)
        run = run_selection(
            probs, acts, arms, test_acts, test_y, estimator="calibrated", eval_every=0,
            seed=seed, pool_is_overlap=types == "overlap",
        )  # fmt: skip
        truth = np.array(run.true_densities)
        for log in run.rounds[2:]:  # after the first pulls (one per arm)
            est = np.array(log.arm_estimates_by["calibrated"], dtype=float)
            assert np.abs(est - truth).max() <= 0.15, (seed, log.round, est)
        arms_pulled = np.array(run.series("arm")[2:])
        assert np.mean(arms_pulled == 1) >= 0.9, (seed, arms_pulled)
        # the reference estimate is relative: the dense arm shows well below its density
        ref_dense = run.rounds[-1].arm_estimates_by["reference"][1]
        assert ref_dense < truth[1] - 0.15 < run.rounds[-1].arm_estimates_by["calibrated"][1]
        assert run.estimator == "calibrated" and run.calibration["n_keys"] > 0
