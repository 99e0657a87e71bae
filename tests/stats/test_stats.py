"""The sweep's statistics on a hand-made table: equal to scipy's, the guard, the bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from w2sg.errors import W2SGError
from w2sg.stats import bootstrap_interval, gap_guard, paired_test
from w2sg.stats import pgr_values as pgr
from w2sg.stats.tables import across_datasets, compare_to_baseline, summarize_datasets, w2s_vs_weak

# dataset -> (weak, ceiling) per seed; w2s per method per seed
WEAK = {"a": [0.70, 0.72, 0.71], "b": [0.60, 0.62, 0.61], "c": [0.80, 0.79, 0.81],
        "d": [0.65, 0.66, 0.64], "hh": [0.600, 0.602, 0.601]}  # fmt: skip
CEIL = {"a": [0.90, 0.91, 0.92], "b": [0.80, 0.83, 0.81], "c": [0.90, 0.91, 0.90],
        "d": [0.85, 0.86, 0.84], "hh": [0.603, 0.604, 0.606]}  # fmt: skip
W2S = {
    "base": {"a": [0.80, 0.82, 0.81], "b": [0.70, 0.73, 0.69], "c": [0.85, 0.84, 0.86],
             "d": [0.70, 0.72, 0.71], "hh": [0.62, 0.59, 0.63]},
    "new": {"a": [0.83, 0.84, 0.85], "b": [0.72, 0.72, 0.75], "c": [0.84, 0.85, 0.86],
            "d": [0.78, 0.77, 0.79], "hh": [0.50, 0.52, 0.51]},
}  # fmt: skip


@pytest.fixture
def table() -> pd.DataFrame:
    rows = []
    for method, per in W2S.items():
        for ds in WEAK:
            for seed in range(3):
                rows.append({"dataset": ds, "weak_model": "w", "strong_model": "s",
                             "method": method, "seed": seed,
                             "weak_accuracy": WEAK[ds][seed], "w2s_accuracy": per[ds][seed],
                             "ceiling_accuracy": CEIL[ds][seed],
                             "overlap_share": 0.3, "mixing_slope": 0.05})  # fmt: skip
    return pd.DataFrame(rows)


def _pgr(method: str, ds: str) -> np.ndarray:
    w, s, c = (np.array(x[ds]) for x in (WEAK, W2S[method], CEIL))
    return (s - w) / (c - w)


def test_per_dataset_mean_median_and_interval(table):
    per = summarize_datasets(table, margin=0.01, n_resamples=2000, seed=3)
    row = per[(per.dataset == "a") & (per.method == "new")].iloc[0]
    values = _pgr("new", "a")
    assert row.pgr_mean == pytest.approx(values.mean())
    assert row.pgr_median == pytest.approx(np.median(values))
    ci = sps.bootstrap((values,), np.mean, n_resamples=2000, method="percentile",
                       rng=np.random.default_rng(3)).confidence_interval  # fmt: skip
    assert (row.pgr_lo, row.pgr_hi) == pytest.approx((ci.low, ci.high))
    assert row.pgr_lo <= row.pgr_mean <= row.pgr_hi
    assert row.weak == pytest.approx(np.mean(WEAK["a"]))


def test_guard_flags_the_near_equal_dataset_and_leaves_it_out(table):
    per = summarize_datasets(table, margin=0.01, n_resamples=200)
    hh = per[per.dataset == "hh"]
    assert hh.guarded.all() and not per[per.dataset != "hh"].guarded.any()
    assert "excluded" in hh.note.iloc[0] and "0.0033" in hh.note.iloc[0]
    across = across_datasets(per).set_index("method")
    kept = ["a", "b", "c", "d"]
    means = [_pgr("new", d).mean() for d in kept]
    assert across.loc["new", "datasets"] == 4 and across.loc["new", "excluded"] == 1
    assert across.loc["new", "pgr_mean"] == pytest.approx(np.mean(means))
    assert across.loc["new", "pgr_median"] == pytest.approx(np.median(means))


def test_paired_tests_equal_scipy(table):
    per = summarize_datasets(table, margin=0.01, n_resamples=200)
    out = compare_to_baseline(per, "base").iloc[0]
    kept = ["a", "b", "c", "d"]
    new = np.array([_pgr("new", d).mean() for d in kept])
    base = np.array([_pgr("base", d).mean() for d in kept])
    t = sps.ttest_rel(new, base, alternative="greater")
    w = sps.wilcoxon(new, base, alternative="greater")
    assert out.t_p == pytest.approx(t.pvalue) and out.t_stat == pytest.approx(t.statistic)
    assert out.wilcoxon_p == pytest.approx(w.pvalue)
    assert out.wilcoxon_stat == pytest.approx(w.statistic)
    assert (out.n, out.wins, out.losses) == (4, int((new > base).sum()), int((new < base).sum()))
    assert out.wins == 3 and out.losses == 1


def test_w2s_against_weak_is_paired_over_kept_datasets(table):
    per = summarize_datasets(table, margin=0.01, n_resamples=200)
    row = w2s_vs_weak(per).set_index("method").loc["base"]
    kept = per[(per.method == "base") & ~per.guarded]
    t = sps.ttest_rel(kept.w2s, kept.weak, alternative="greater")
    assert row.n == 4 and row.t_p == pytest.approx(t.pvalue)


def test_bootstrap_is_reproducible_with_a_seed():
    x = np.random.default_rng(0).normal(0.5, 0.2, 40)
    first = bootstrap_interval(x, n_resamples=500, seed=7)
    assert first == bootstrap_interval(x, n_resamples=500, seed=7)
    assert first != bootstrap_interval(x, n_resamples=500, seed=8)
    assert first[0] < x.mean() < first[1]
    assert bootstrap_interval(np.array([0.4])) == (None, None)
    assert bootstrap_interval(np.array([0.4, 0.4, np.nan])) == (0.4, 0.4)


def test_pgr_is_undefined_when_ceiling_is_not_above_weak():
    out = pgr(np.array([0.6, 0.7]), np.array([0.65, 0.8]), np.array([0.7, 0.7]))
    assert out[0] == pytest.approx(0.5) and np.isnan(out[1])


def test_gap_guard_and_paired_test_check_inputs():
    assert gap_guard([0.6, 0.6], [0.605, 0.603], 0.01).flagged
    assert not gap_guard([0.6], [0.7], 0.01).flagged
    with pytest.raises(W2SGError, match="margin"):
        gap_guard([0.6], [0.7], -1)
    with pytest.raises(W2SGError, match="one length"):
        paired_test(np.ones(3), np.ones(2))
    assert paired_test(np.ones(1), np.zeros(1)).t_p is None
    assert paired_test(np.ones(3), np.ones(3)).note.startswith("all differences are zero")
