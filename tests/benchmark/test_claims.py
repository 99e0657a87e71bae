"""The benchmark's statistics on generated tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from w2sg.benchmark.claims import (
    Sizes,
    across,
    headline,
    mixing_slopes,
    overlap_predicts_pgr,
    selection_claim,
    spearman_interval,
)
from w2sg.benchmark.verdicts import (
    NO_TEST,
    OPPOSITE,
    SAME_DIRECTION,
    SUPPORTED,
    two_way_verdict,
    verdict,
)


def _table(tasks: dict[str, tuple[float, float, float]], seeds=(0, 1, 2), test=400) -> pd.DataFrame:
    """Study cells: task -> (weak, w2s, ceiling) accuracy, seed s adds 0.01 * s to each."""
    rows = []
    for task, (weak, w2s, ceiling) in tasks.items():
        for s in seeds:
            d = 0.01 * s
            rows.append({"dataset": task, "weak_model": "w", "strong_model": "s", "method": "study",
                         "kind": "study", "seed": s, "state": "done", "weak_supervisor": "probe",
                         "test": test, "strong_train": 1000, "weak_accuracy": weak + d,
                         "w2s_accuracy": w2s + d + 0.001 * s, "ceiling_accuracy": ceiling + d,
                         "weak_auc": weak + 0.1, "w2s_auc": w2s + 0.1, "ceiling_auc": ceiling + 0.1,
                         "overlap_share": 0.2, "mixing_slope": 0.01 * (s + 1)})  # fmt: skip
    return pd.DataFrame(rows)


def test_verdicts_follow_the_stated_rule():
    assert verdict(0.1, 0.01) == SUPPORTED
    assert verdict(0.1, 0.2) == SAME_DIRECTION
    assert verdict(-0.1, 0.9) == OPPOSITE
    assert verdict(0.1, None) == NO_TEST and verdict(None, 0.01) == NO_TEST
    assert verdict(0.1, 0.04, alpha=0.01) == SAME_DIRECTION
    assert two_way_verdict(0.1, 0.01, 0.99) == "helps"
    assert two_way_verdict(-0.1, 0.99, 0.01) == "hurts"
    assert two_way_verdict(-0.1, 0.9, 0.2) == "lower, not significant"
    assert two_way_verdict(0.1, 0.2, 0.9) == "higher, not significant"


def test_across_gives_scipys_one_sided_paired_tests():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.1, 1, 9), rng.normal(0, 1, 9)
    result = across("m", a, b, n_resamples=2000, alpha=0.05)
    t = stats.ttest_rel(a, b, alternative="greater")
    w = stats.wilcoxon(a, b, alternative="greater")
    assert result.test.t_p == pytest.approx(t.pvalue)
    assert result.test.wilcoxon_p == pytest.approx(w.pvalue)
    assert result.test.wins == int((a > b).sum()) and result.test.n == 9
    assert result.lo < result.test.mean_diff < result.hi
    assert result.verdict == verdict(result.test.mean_diff, t.pvalue)


def test_spearman_matches_scipy_and_a_monotone_relation_has_interval_one():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=12), rng.normal(size=12)
    rho, p, lo, hi = spearman_interval(x, y, n_resamples=3000)
    ref = stats.spearmanr(x, y, alternative="greater")
    assert rho == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    assert lo < rho < hi
    rho, _, lo, hi = spearman_interval(np.arange(6.0), np.arange(6.0) ** 3, n_resamples=500)
    assert rho == pytest.approx(1.0) and lo == pytest.approx(1.0) and hi == pytest.approx(1.0)
    assert np.isnan(spearman_interval(np.arange(2.0), np.arange(2.0))[0])  # needs 3 points


def test_headline_applies_the_guard_the_sizes_and_the_one_pgr_rule():
    table = _table({"a": (0.70, 0.79, 0.85), "b": (0.70, 0.701, 0.705)})
    small = _table({"c": (0.60, 0.66, 0.80)}, seeds=(0, 1), test=100)
    head = headline(pd.concat([table, small]), margin=0.01, n_resamples=500, sizes=Sizes())
    a, b, c = (head[head.dataset == k].iloc[0] for k in "abc")
    # PGR per seed of a: (0.09 + 0.001 s) / 0.15, mean over seeds 0..2
    assert a["pgr_mean"] == pytest.approx(np.mean([(0.09 + 0.001 * s) / 0.15 for s in range(3)]))
    assert a["gap"] == pytest.approx(0.15) and a["w2s_wins"] == 3 and a["kept"]
    assert a["weak_std"] == pytest.approx(np.std([0.70, 0.71, 0.72]))
    assert b["guarded"] and not b["kept"] and np.isnan(b["pgr_mean"])
    assert "0.005 < 0.01" in b["pgr_reason"]
    assert c["too_small"] and not c["kept"] and "2 seed(s) < 3" in c["size_note"]
    assert "test 100 < 300" in c["size_note"]


def test_mixing_slopes_per_task_and_across_kept_tasks():
    table = _table({"a": (0.7, 0.8, 0.85), "b": (0.7, 0.8, 0.85), "c": (0.7, 0.8, 0.85)})
    table.loc[table.dataset == "b", "mixing_slope"] *= 1.5
    table.loc[table.dataset == "c", "mixing_slope"] *= -1
    kept = table[["dataset", "weak_model", "strong_model"]].drop_duplicates()
    per, result = mixing_slopes(table, kept, n_resamples=500)
    assert list(per["slope"].round(6)) == [0.02, 0.03, -0.02]
    assert list(per["positive_seeds"]) == [3, 3, 0]
    assert result.test.n == 3 and result.test.wins == 2
    ref = stats.ttest_1samp([0.02, 0.03, -0.02], 0.0, alternative="greater")
    assert result.test.t_p == pytest.approx(ref.pvalue)
    _, only_two = mixing_slopes(table, kept[kept.dataset != "c"], n_resamples=500)
    assert only_two.test.n == 2 and only_two.test.wins == 2


def test_selection_claim_pairs_ucb_and_random_per_seed():
    rows = []
    for task, gain in (("a", 0.2), ("b", 0.1), ("c", -0.05)):
        for s in range(3):
            for strategy, overlap in (("ucb", 0.5 + gain + 0.01 * s), ("random", 0.5)):
                rows.append({"dataset": task, "weak_model": "w", "strong_model": "s",
                             "method": "study", "seed": s, "strategy": strategy,
                             "overlap": overlap, "accuracy": 0.8 + (gain / 10 if strategy == "ucb"
                                                                    else 0)})  # fmt: skip
    selection = pd.DataFrame(rows)
    kept = pd.DataFrame({"dataset": ["a", "b", "c"], "weak_model": "w", "strong_model": "s"})
    per, (overlap, accuracy) = selection_claim(selection, kept, n_resamples=500)
    assert list(per["overlap_diff"].round(6)) == [0.21, 0.11, -0.04]
    assert overlap.test.wins == 2 and overlap.test.losses == 1
    assert accuracy.test.mean_diff == pytest.approx(np.mean([0.02, 0.01, -0.005]))
    assert selection_claim(selection[selection.strategy == "ucb"], kept)[1] == []


def test_overlap_predicts_pgr_uses_the_kept_tasks_only():
    head = pd.DataFrame({"dataset": list("abcde"), "weak_model": "w", "strong_model": "s",
                         "overlap_share": [0.1, 0.2, 0.3, 0.4, 0.5],
                         "overlap_share_std": 0.01, "pgr_mean": [0.1, 0.3, 0.2, 0.6, -5.0],
                         "pgr_lo": 0.0, "pgr_hi": 1.0,
                         "kept": [True, True, True, True, False]})  # fmt: skip
    points, rank = overlap_predicts_pgr(head, n_resamples=500)
    assert list(points["dataset"]) == list("abcd") and rank.n == 4
    assert rank.rho == pytest.approx(stats.spearmanr([0.1, 0.2, 0.3, 0.4], [0.1, 0.3, 0.2, 0.6])[0])
