"""The weak choice per dataset from val gaps: means and spreads over seeds, and the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from w2sg.errors import W2SGError
from w2sg.stats.gaps import ChoiceRule, choose_weak, gap_table, markdown


def _rows() -> pd.DataFrame:
    out = []
    values = {  # (dataset, weak): weak accuracy per seed; the ceiling is 0.90 on every seed
        ("a", "strong-weak"): (0.88, 0.86, 0.87),  # gap 0.03: too small
        ("a", "mid"): (0.80, 0.84, 0.82),  # gap 0.08: chosen (the strongest with a gap)
        ("a", "weakest"): (0.70, 0.70, 0.70),  # gap 0.20, but weaker than mid
        ("b", "noise"): (0.55, 0.52, 0.50),  # a gap, but labels with no signal
        ("b", "tight"): (0.87, 0.86, 0.88),
    }
    for (dataset, weak), accs in values.items():
        for seed, acc in enumerate(accs):
            out.append({"dataset": dataset, "weak_model": weak, "strong_model": "s",
                        "method": "m", "seed": seed, "weak_accuracy": acc,
                        "ceiling_accuracy": 0.90, "weak_train": 400})  # fmt: skip
    return pd.DataFrame(out)


def test_table_gives_mean_and_sd_over_seeds() -> None:
    table = gap_table(_rows())
    mid = table[table["weak_model"] == "mid"].iloc[0]
    assert mid["seeds"] == 3 and mid["weak_train"] == 400
    assert mid["weak_accuracy_mean"] == pytest.approx(0.82)
    assert mid["gap_mean"] == pytest.approx(0.08)
    assert mid["gap_sd"] == pytest.approx(np.std([0.10, 0.06, 0.08], ddof=1))
    assert list(table["weak_model"]) == ["strong-weak", "mid", "weakest", "noise", "tight"]


def test_the_rule_picks_the_strongest_weak_model_that_leaves_a_gap() -> None:
    table = choose_weak(gap_table(_rows()), ChoiceRule(min_gap=0.05, min_weak=0.65))
    assert list(table[table["chosen"]]["weak_model"]) == ["mid"]  # b has no choice
    assert list(table[table["eligible"]]["weak_model"]) == ["mid", "weakest"]
    loose = choose_weak(gap_table(_rows()), ChoiceRule(min_gap=0.0, min_weak=0.5))
    assert list(loose[loose["chosen"]]["weak_model"]) == ["strong-weak", "tight"]
    text = markdown(table)
    assert (
        "| a | mid | m | 400// | 3 | 0.820 ± 0.020 | 0.900 ± 0.000 | 0.080 ± 0.020 | chosen |"
        in text
    )


def test_bad_rules_and_tables_fail_in_one_line() -> None:
    with pytest.raises(W2SGError, match="min_gap must be <= 1"):
        ChoiceRule(min_gap=1.5)
    with pytest.raises(W2SGError, match="lack column"):
        gap_table(pd.DataFrame({"dataset": ["a"]}))
