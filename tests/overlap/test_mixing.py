"""The mixing experiment (docs/methods.md#mixing) on generated data where overlap points teach the
hard pattern."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.overlap.mixing import MixingResult, mixing_experiment


def _points(rng: np.random.Generator, kinds: np.ndarray, d: int = 6):
    y = rng.integers(0, 2, len(kinds))
    s = 2.0 * y - 1
    easy = rng.normal(0, 0.5, (len(kinds), d))
    hard = rng.normal(0, 0.5, (len(kinds), d))
    easy[kinds != "hard_only", 0] += 2.0 * s[kinds != "hard_only"]
    hard[kinds != "easy_only", 0] += 2.0 * s[kinds != "easy_only"]
    weak = 1 / (1 + np.exp(-3.0 * easy[:, 0]))  # the weak model reads the easy block only
    return np.concatenate([easy, hard], axis=1), weak, y


@pytest.fixture(scope="module")
def setting():
    rng = np.random.default_rng(0)
    pool_kinds = np.repeat(np.array(["easy_only", "hard_only", "overlap"]), [120, 120, 120])
    x, weak, _ = _points(rng, pool_kinds)
    test_kinds = np.repeat(np.array(["easy_only", "hard_only", "overlap"]), 200)
    tx, _, ty = _points(rng, test_kinds)
    overlap = np.nonzero(pool_kinds == "overlap")[0]
    non_overlap = np.nonzero(pool_kinds != "overlap")[0]
    return x, weak, overlap, non_overlap, tx, ty


def test_overlap_points_raise_test_accuracy(setting) -> None:
    res = mixing_experiment(*setting, qs=(0.0, 0.5, 1.0), seeds=(0, 1))
    by_q = {s["q"]: s for s in res.summary()}
    assert by_q[1.0]["accuracy_mean"] > by_q[0.0]["accuracy_mean"] + 0.05
    assert res.slope() > 0.05
    assert res.m == 120


def test_rows_counts_and_sizes(setting) -> None:
    qs, seeds = (0.0, 0.3, 1.0), (0, 1, 2)
    res = mixing_experiment(*setting, qs=qs, seeds=seeds)
    assert len(res.rows) == len(qs) * len(seeds) + len(seeds)
    mix = [r for r in res.rows if r["kind"] == "mix"]
    for r in mix:
        assert r["n_overlap"] == int(np.floor(120 * r["q"] + 1e-9))
        assert r["n_non_overlap"] == int(np.floor(120 * (1 - r["q"]) + 1e-9))
        assert r["pgr_accuracy"] is None and r["pgr_auc"] is None
    base = [r for r in res.rows if r["kind"] == "baseline"]
    assert [r["seed"] for r in base] == list(seeds)
    assert all(r["n_overlap"] + r["n_non_overlap"] == 120 for r in base)
    summary = res.summary()
    assert [s["q"] for s in summary] == [*qs, None]
    assert all(s["n"] == 3 for s in summary)
    s0 = summary[0]
    accs = [r["accuracy"] for r in mix if r["q"] == 0.0]
    assert s0["accuracy_mean"] == pytest.approx(np.mean(accs))
    assert s0["accuracy_min"] == min(accs) and s0["accuracy_max"] == max(accs)


def test_deterministic_and_each_row_reproducible_alone(setting) -> None:
    a = mixing_experiment(*setting, qs=(0.0, 0.5, 1.0), seeds=(3,))
    b = mixing_experiment(*setting, qs=(0.0, 0.5, 1.0), seeds=(3,))
    assert a.rows == b.rows
    # a row depends on (seed, q index) only, not on the other qs or seeds run beside it
    alone = mixing_experiment(*setting, qs=(0.0, 0.5), seeds=(3,))
    assert alone.rows[:2] == a.rows[:2]
    assert alone.rows[2] == a.rows[3]  # the baseline of seed 3
    other_seed = mixing_experiment(*setting, qs=(0.0, 0.5), seeds=(4,))
    assert other_seed.rows[1]["auc"] != a.rows[1]["auc"]  # a different draw


def test_pgr_columns_when_weak_and_ceiling_are_given(setting) -> None:
    weak, ceiling = {"accuracy": 0.6, "auc": 0.65}, {"accuracy": 0.95, "auc": 0.99}
    res = mixing_experiment(*setting, qs=(1.0,), weak_metrics=weak, ceiling_metrics=ceiling)
    r = res.rows[0]
    assert r["pgr_accuracy"] == pytest.approx((r["accuracy"] - 0.6) / 0.35)
    assert r["pgr_auc"] == pytest.approx((r["auc"] - 0.65) / 0.34)
    undefined = mixing_experiment(*setting, qs=(1.0,), weak_metrics=ceiling, ceiling_metrics=weak)
    assert undefined.rows[0]["pgr_accuracy"] is None


def test_progress_is_reported(setting) -> None:
    seen: list[tuple[int, int]] = []
    mixing_experiment(
        *setting, qs=(0.0, 1.0), seeds=(0,), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_slope_needs_two_qs() -> None:
    rows = [{"kind": "mix", "q": 0.5, "seed": 0, "accuracy": 0.8, "auc": 0.9}]
    assert MixingResult(rows=rows, m=10, qs=(0.5,)).slope() is None


def test_empty_pool_and_bad_inputs_are_clear_errors(setting) -> None:
    x, weak, overlap, non_overlap, tx, ty = setting
    with pytest.raises(W2SGError, match="0 overlap"):
        mixing_experiment(x, weak, overlap[:0], non_overlap, tx, ty)
    with pytest.raises(W2SGError, match="disjoint"):
        mixing_experiment(x, weak, overlap, np.concatenate([non_overlap, overlap[:1]]), tx, ty)
    with pytest.raises(W2SGError, match="align"):
        mixing_experiment(x, weak[:-1], overlap, non_overlap, tx, ty)
    with pytest.raises(W2SGError, match=r"\[0, 1\]"):
        mixing_experiment(x, weak + 1, overlap, non_overlap, tx, ty)
    with pytest.raises(W2SGError, match="outside"):
        mixing_experiment(x, weak, overlap + 1000, non_overlap, tx, ty)
    with pytest.raises(W2SGError, match="test_acts"):
        mixing_experiment(x, weak, overlap, non_overlap, tx[:, :3], ty)
    with pytest.raises(W2SGError, match="too small"):
        mixing_experiment(x, weak, overlap[:1], non_overlap, tx, ty, qs=(0.5,))
