"""Overlap detection, Algorithm 1 (docs/methods.md#detection), on data with a planted
easy/hard/overlap structure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.overlap import changepoint_threshold, detect_overlap
from w2sg.overlap.similarity import max_similarity_plain

TYPES = ("easy_only", "hard_only", "overlap")


def planted(n_per_type: int = 150, d: int = 16, seed: int = 0):
    """Easy block (the weak model sees it) + hard block; overlap points carry both signals."""
    rng = np.random.default_rng(seed)
    kinds = np.repeat(np.array(TYPES), n_per_type)
    y = rng.choice([-1.0, 1.0], len(kinds))
    easy = rng.normal(0, 0.3, (len(kinds), d))
    hard = rng.normal(0, 0.3, (len(kinds), d))
    has_easy = kinds != "hard_only"
    has_hard = kinds != "easy_only"
    easy[has_easy, 0] += 3.0 * y[has_easy]
    hard[has_hard, 0] += 3.0 * y[has_hard]
    acts = np.concatenate([easy, hard], axis=1).astype(np.float32)
    weak_probs = 1.0 / (1.0 + np.exp(-2.0 * easy[:, 0]))  # the weak model reads the easy block
    return weak_probs, acts, kinds


def _agreement(res, kinds: np.ndarray) -> float:
    return float((res.labels() == kinds).mean())


def _assert_partition(res, n: int) -> None:
    parts = [res.overlap, res.easy_only, res.hard_only]
    together = np.concatenate(parts)
    assert len(together) == n and len(np.unique(together)) == n  # disjoint, nothing lost
    np.testing.assert_array_equal(np.sort(together), np.arange(n))


def test_finds_the_planted_types_with_abs_cosine() -> None:
    p, x, kinds = planted()
    res = detect_overlap(p, x)
    _assert_partition(res, len(p))
    assert _agreement(res, kinds) > 0.95
    assert not res.fallback and res.reasons == ()
    assert res.similarity == "abs_cosine"
    # scores: NaN exactly on hard-only points, the plain max |cosine| elsewhere
    assert np.isnan(res.scores[res.hard_only]).all()
    rest = np.concatenate([res.overlap, res.easy_only])
    ref = max_similarity_plain(x[rest], x[res.hard_only])
    np.testing.assert_allclose(res.scores[rest], ref, rtol=1e-12)
    assert res.scores[res.overlap].min() >= res.overlap_threshold > res.scores[res.easy_only].max()
    assert (res.confidence[res.hard_only] <= res.confidence_threshold).all()


def test_dot_variant_with_strict_hard_set() -> None:
    p, x, kinds = planted(seed=1)
    res = detect_overlap(p, x, similarity="dot", strict_hard=True)
    _assert_partition(res, len(p))
    assert _agreement(res, kinds) > 0.95
    assert (res.confidence[res.hard_only] < res.confidence_threshold).all()
    assert (
        res.confidence[np.concatenate([res.overlap, res.easy_only])] >= res.confidence_threshold
    ).all()
    rest = np.concatenate([res.overlap, res.easy_only])
    ref = max_similarity_plain(x[rest], x[res.hard_only], "dot")
    np.testing.assert_allclose(res.scores[rest], ref, rtol=1e-12)


def test_strict_hard_moves_points_at_the_threshold() -> None:
    # conf values repeat, so the threshold itself is held by several points
    p = np.repeat([0.5, 0.55, 0.6, 0.9, 0.95, 1.0], 10)
    x = np.random.default_rng(0).normal(size=(len(p), 4))
    loose, strict = detect_overlap(p, x), detect_overlap(p, x, strict_hard=True)
    at = np.isclose(loose.confidence, loose.confidence_threshold)
    assert at.any()
    assert set(np.nonzero(at)[0]) <= set(loose.hard_only)
    assert not set(np.nonzero(at)[0]) & set(strict.hard_only)


def test_history_joins_keys_and_t2_pool_but_t1_is_the_batch_own() -> None:
    p, x, kinds = planted(seed=2)
    order = np.random.default_rng(0).permutation(len(p))
    cur, old = order[:200], order[200:]
    old_hard = old[2 * np.abs(p[old] - 0.5) < 0.5]  # as an earlier round labelled them
    old_rest = np.setdiff1d(old, old_hard)
    res = detect_overlap(
        p[cur],
        x[cur],
        similarity="dot",
        strict_hard=True,
        history_hard_acts=x[old_hard],
        history_nonhard_acts=x[old_rest],
    )
    _assert_partition(res, 200)
    assert _agreement(res, kinds[cur]) > 0.9
    alone = detect_overlap(p[cur], x[cur], similarity="dot", strict_hard=True)
    assert res.confidence_threshold == alone.confidence_threshold  # t1: this batch alone
    np.testing.assert_array_equal(res.hard_only, alone.hard_only)
    keys = np.concatenate([x[cur][res.hard_only], x[old_hard]])
    rest = np.concatenate([res.overlap, res.easy_only])
    np.testing.assert_allclose(
        res.scores[rest], max_similarity_plain(x[cur][rest], keys, "dot"), rtol=1e-12
    )
    # t2: the change point of this batch's scores together with the earlier non-hard ones
    old_scores = max_similarity_plain(x[old_rest], keys, "dot")
    t2 = changepoint_threshold(np.concatenate([res.scores[rest], old_scores])).threshold
    assert res.overlap_threshold == pytest.approx(t2, rel=1e-12)
    assert t2 != changepoint_threshold(res.scores[rest]).threshold  # the history mattered
    np.testing.assert_array_equal(np.sort(res.overlap), np.sort(rest[res.scores[rest] >= t2]))


def test_history_of_the_wrong_width_is_rejected() -> None:
    p, x, _ = planted(n_per_type=10)
    with pytest.raises(W2SGError, match="history_hard_acts has 3 columns"):
        detect_overlap(p, x, history_hard_acts=np.zeros((4, 3)))


def test_torch_inputs_give_the_numpy_result() -> None:
    p, x, _ = planted(seed=3)
    a = detect_overlap(p, x)
    b = detect_overlap(torch.from_numpy(p), torch.from_numpy(x))
    for name in ("overlap", "easy_only", "hard_only"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.scores, b.scores)


def test_pool_too_small_falls_back_to_the_median_and_says_so() -> None:
    p = np.array([0.1, 0.45, 0.5, 0.8, 0.97])
    x = np.random.default_rng(0).normal(size=(5, 3))
    res = detect_overlap(p, x)
    _assert_partition(res, 5)
    assert res.fallback
    assert res.confidence_threshold == pytest.approx(np.median(2 * np.abs(p - 0.5)))
    assert any("median" in r and "confidence" in r for r in res.reasons)


def test_equally_confident_points_fall_back_openly() -> None:
    p = np.full(40, 0.8)
    x = np.random.default_rng(0).normal(size=(40, 3))
    res = detect_overlap(p, x)
    _assert_partition(res, 40)
    assert res.fallback and res.overlap_threshold is None and len(res.overlap) == 0
    assert any("equally confident" in r for r in res.reasons)


@pytest.mark.parametrize(
    "probs, acts, match",
    [
        (np.full(5, 0.5), np.zeros((4, 2)), "5 points but strong_acts has 4"),
        (np.array([0.5, np.nan, 0.2]), np.zeros((3, 2)), "NaN"),
        (np.full(3, 0.5), np.array([[0.0, 1.0], [np.inf, 0.0], [1.0, 1.0]]), "NaN"),
        (np.array([0.5, 1.2, 0.2]), np.zeros((3, 2)), r"\[0, 1\]"),
        (np.array([-0.1, 0.5, 0.2]), np.zeros((3, 2)), r"\[0, 1\]"),
        (np.zeros(0), np.zeros((0, 2)), "empty"),
        (np.full(3, 0.5), np.zeros(3), "2-dimensional"),
    ],
)
def test_bad_inputs_raise_one_line_errors(probs, acts, match: str) -> None:
    with pytest.raises(W2SGError, match=match) as err:
        detect_overlap(probs, acts)
    assert "\n" not in str(err.value)


def test_unknown_similarity_is_rejected() -> None:
    p, x, _ = planted(n_per_type=10)
    with pytest.raises(W2SGError, match="unknown similarity"):
        detect_overlap(p, x, similarity="euclid")  # type: ignore[arg-type]
