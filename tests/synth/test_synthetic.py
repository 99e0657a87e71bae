"""Synthetic data with known overlap (docs/methods.md#synthetic-data)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.data.synthetic import SyntheticParams, make_synthetic
from w2sg.errors import W2SGError


def test_sizes_types_and_views() -> None:
    data = make_synthetic(n_easy_only=30, n_hard_only=20, n_overlap=10, d_easy=5, d_hard=7)
    assert data.counts() == {"easy_only": 30, "hard_only": 20, "overlap": 10}
    assert data.weak_x.shape == (60, 5) and data.strong_x.shape == (60, 12)
    np.testing.assert_array_equal(data.weak_x, data.strong_x[:, :5])
    for kind in ("easy_only", "hard_only", "overlap"):  # balanced within each type
        labels = data.labels[data.index(kind)]
        assert abs(int(labels.sum()) * 2 - len(labels)) <= 1


def test_deterministic_by_seed() -> None:
    a, b = make_synthetic(seed=3), make_synthetic(seed=3)
    np.testing.assert_array_equal(a.strong_x, b.strong_x)
    np.testing.assert_array_equal(a.types, b.types)
    c = make_synthetic(seed=4)
    assert not np.array_equal(a.strong_x, c.strong_x)
    d = make_synthetic(seed=4, mean_seed=3)  # same class means as `a`, other points
    np.testing.assert_array_equal(a.theta, d.theta)


def test_absent_block_is_zero_by_default() -> None:
    data = make_synthetic(n_easy_only=10, n_hard_only=10, n_overlap=10)
    assert np.all(data.strong_x[data.index("easy_only"), 20:] == 0)
    assert np.all(data.strong_x[data.index("hard_only"), :20] == 0)
    assert np.all(data.strong_x[data.index("overlap")] != 0)


def test_absent_block_carries_no_label_signal() -> None:
    data = make_synthetic(
        n_easy_only=4000,
        n_hard_only=4000,
        n_overlap=0,
        absent_noise=1.0,
        noise=1.0,
        easy_signal=1.0,
        hard_signal=1.0,
    )

    def class_gap(rows: np.ndarray, cols: slice) -> float:
        x, y = data.strong_x[rows][:, cols], data.labels[rows]
        return float(np.linalg.norm(x[y == 1].mean(0) - x[y == 0].mean(0)))

    easy, hard = data.index("easy_only"), data.index("hard_only")
    present = 2 * np.linalg.norm(data.theta[20:])
    assert class_gap(hard, slice(20, 40)) == pytest.approx(present, rel=0.1)
    assert class_gap(easy, slice(20, 40)) < 0.15 * present  # only sampling noise
    assert class_gap(hard, slice(0, 20)) < 0.15 * 2 * np.linalg.norm(data.theta[:20])


@pytest.mark.parametrize(
    "bad",
    [
        {"n_overlap": -1},
        {"d_hard": 0},
        {"noise": -1.0},
        {"n_easy_only": 0, "n_hard_only": 0, "n_overlap": 0},
        {"colour": 1},
    ],
)
def test_bad_parameters_raise_one_line(bad: dict) -> None:
    with pytest.raises(W2SGError) as err:
        make_synthetic(SyntheticParams(), **bad)
    assert "\n" not in str(err.value)


def test_index_rejects_unknown_type() -> None:
    with pytest.raises(W2SGError, match="unknown point type"):
        make_synthetic(n_overlap=2).index("medium")
