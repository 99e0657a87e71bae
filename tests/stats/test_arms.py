"""Arms against their cell's plain student: paired within cells, tested across tasks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from w2sg.errors import W2SGError
from w2sg.stats.arms import arm_differences, arms_vs_reference, paired_arms


def _arms(gains: dict[str, float], seeds=(0, 1, 2)) -> pd.DataFrame:
    """Cells of tasks t0..t5: `none` at 0.7 + 0.01 * task, each arm `gain * (task + 1)` above
    it plus 0.001 * seed."""
    rows = []
    for t in range(6):
        for s in seeds:
            base = 0.7 + 0.01 * t
            for arm, gain in {"none": 0.0, **gains}.items():
                value = base + (gain * (t + 1) + 0.001 * s if arm != "none" else 0.0)
                rows.append({"dataset": f"t{t}", "weak_model": "w", "strong_model": "s",
                             "method": "iv", "kind": "interventions", "seed": s, "arm": arm,
                             "reference": "none", "accuracy": value, "auc": value})  # fmt: skip
    return pd.DataFrame(rows)


def test_pairs_are_formed_within_each_cell():
    pairs = paired_arms(_arms({"a": 0.01}))
    assert len(pairs) == 6 * 3 and set(pairs["arm"]) == {"a"}
    row = pairs[(pairs.dataset == "t2") & (pairs.seed == 1)].iloc[0]
    assert row["diff"] == pytest.approx(0.03 + 0.001)


def test_per_task_differences_and_their_intervals():
    per = arm_differences(_arms({"a": 0.01}), n_resamples=500)
    t0 = per[per.dataset == "t0"].iloc[0]
    assert t0["diff"] == pytest.approx(0.01 + 0.001) and t0["seed_wins"] == 3
    assert t0["diff_lo"] <= t0["diff"] <= t0["diff_hi"]
    assert t0["value_std"] == pytest.approx(np.std([0.001 * s for s in range(3)]))


def test_across_tasks_matches_scipys_paired_tests():
    arms = _arms({"up": 0.01, "down": -0.004})
    arms.loc[(arms.arm == "down") & (arms.dataset == "t5"), "accuracy"] += 0.1  # one win
    tests = arms_vs_reference(arms, n_resamples=500).set_index("arm")
    per = arm_differences(arms, n_resamples=500)
    for arm in ("up", "down"):
        g = per[per.arm == arm]
        ref = stats.ttest_rel(g["value"], g["reference_value"], alternative="greater")
        wil = stats.wilcoxon(g["value"], g["reference_value"], alternative="greater")
        assert tests.loc[arm, "t_p"] == pytest.approx(ref.pvalue)
        assert tests.loc[arm, "wilcoxon_p"] == pytest.approx(wil.pvalue)
        assert tests.loc[arm, "mean_diff"] == pytest.approx(g["diff"].mean())
    assert tests.loc["up", "wins"] == 6 and tests.loc["up", "pair_wins"] == 18
    assert tests.loc["down", "wins"] == 1 and tests.loc["down", "losses"] == 5
    assert tests.loc["up", "reference"] == "none" and tests.loc["up", "pairs"] == 18


def test_a_table_without_the_arm_columns_is_one_clear_error():
    with pytest.raises(W2SGError, match="lacks column"):
        paired_arms(pd.DataFrame({"dataset": ["a"]}))
