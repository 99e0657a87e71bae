"""Arms of docs/methods.md#selection: constructed with known densities, and natural sources."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.selection.arms import construct_arms, natural_arms


def _sets(n_o: int, n_e: int, n_h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.arange(n_o + n_e + n_h)
    return idx[:n_o], idx[n_o : n_o + n_e], idx[n_o + n_e :]


def test_reference_construction_counts_follow_spec_formula() -> None:
    arms = construct_arms(*_sets(400, 400, 400), (0.1, 0.9), seed=0)
    # overlap = floor(N_o p); easy = hard = floor(x (1 - p) / (2 p))
    assert [(a.n_overlap, a.n_easy_only, a.n_hard_only) for a in arms] == [
        (40, 180, 180),
        (360, 20, 20),
    ]
    assert [a.true_density for a in arms] == [0.1, 0.9]
    assert [a.size for a in arms] == [400, 400]


def test_arms_are_disjoint_and_hold_the_right_types() -> None:
    ov, easy, hard = _sets(300, 500, 450)
    arms = construct_arms(ov, easy, hard, (0.2, 0.5, 0.3), seed=3)
    everything = np.concatenate([a.indices for a in arms])
    assert len(np.unique(everything)) == len(everything)
    for a in arms:
        assert np.isin(a.indices, ov).sum() == a.n_overlap
        assert np.isin(a.indices, easy).sum() == a.n_easy_only
        assert np.isin(a.indices, hard).sum() == a.n_hard_only
        assert a.true_density == pytest.approx(a.n_overlap / a.size)


def test_scarce_easy_points_shrink_arms_but_keep_densities() -> None:
    # 0.1 needs 4.5x its overlap count in easy points: only 100 easy points exist
    arms = construct_arms(*_sets(400, 100, 400), (0.1, 0.9), seed=0)
    assert sum(a.n_easy_only for a in arms) <= 100
    assert sum(a.n_overlap for a in arms) < 400
    assert arms[0].true_density == pytest.approx(0.1, abs=0.02)
    assert arms[1].true_density == pytest.approx(0.9, abs=0.02)


def test_densities_summing_above_one_are_scaled_to_fit() -> None:
    arms = construct_arms(*_sets(100, 400, 400), (0.8, 0.9), seed=0)
    assert sum(a.n_overlap for a in arms) <= 100
    assert arms[0].true_density < arms[1].true_density


def test_construction_depends_on_seed_only() -> None:
    a = construct_arms(*_sets(100, 100, 100), seed=1)
    b = construct_arms(*_sets(100, 100, 100), seed=1)
    c = construct_arms(*_sets(100, 100, 100), seed=2)
    assert all(np.array_equal(x.indices, y.indices) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].indices, c[0].indices)


@pytest.mark.parametrize("densities", [(0.0, 0.5), (0.5, 1.2), (0.5,)])
def test_bad_densities_are_one_line_errors(densities: tuple[float, ...]) -> None:
    with pytest.raises(W2SGError):
        construct_arms(*_sets(10, 10, 10), densities)


def test_overlapping_sets_are_rejected() -> None:
    with pytest.raises(W2SGError, match="disjoint"):
        construct_arms(np.arange(5), np.arange(3, 10), np.arange(10, 15))


def test_too_small_partition_is_rejected() -> None:
    with pytest.raises(W2SGError, match="too small"):
        construct_arms(*_sets(3, 1, 1), (0.1, 0.9))


def test_natural_arms_group_by_source_in_name_order() -> None:
    arms = natural_arms(["b", "a", "b", "c", "a", "b"])
    assert [a.name for a in arms] == ["a", "b", "c"]
    assert [a.indices.tolist() for a in arms] == [[1, 4], [0, 2, 5], [3]]
    assert all(a.true_density is None for a in arms)


def test_natural_arms_need_two_sources() -> None:
    with pytest.raises(W2SGError, match="two distinct"):
        natural_arms(["a", "a"])
