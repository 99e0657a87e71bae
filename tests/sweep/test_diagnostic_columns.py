"""The sweep's tidy table carries each cell's diagnostics (docs/methods.md#similarity,
#split-strength), and the per-dataset table their means, so PGR can be plotted against them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from w2sg.stats.tables import summarize_datasets
from w2sg.sweep.outputs import cell_row

ENTRY = {"dataset": "d", "weak": "w", "strong": "s", "method": "study", "kind": "study",
         "seed": 0, "state": "done"}  # fmt: skip


def _results(capa: float, found: bool | None) -> dict:
    sim = {"error_agreement": 0.8, "error_kappa": 0.2, "capa": capa}
    split = {"found": found, "effect": None if found is None else 0.4}
    return {
        "weak": {"accuracy": 0.7}, "w2s": {"accuracy": 0.8}, "ceiling": {"accuracy": 0.9},
        "similarity": {"test": {"weak_vs_ceiling": sim}},
        "overlap": {"n_overlap": 1, "n_easy_only": 1, "n_hard_only": 2, "confidence_split": split},
    }  # fmt: skip


def test_a_cell_row_has_similarity_and_t1_found() -> None:
    row = cell_row(ENTRY, _results(0.3, True))
    assert (row["error_agreement"], row["error_kappa"], row["capa"]) == (0.8, 0.2, 0.3)
    assert row["t1_found"] == 1.0 and row["t1_effect"] == 0.4
    untested = cell_row(ENTRY, _results(0.3, None))
    assert math.isnan(untested["t1_found"]) and math.isnan(untested["t1_effect"])
    old = cell_row(ENTRY, {"weak": {"accuracy": 0.7}})  # a results.json from before
    assert math.isnan(old["capa"]) and math.isnan(old["t1_found"])


def test_per_dataset_table_averages_the_diagnostics() -> None:
    rows = [
        {**cell_row({**ENTRY, "seed": seed}, _results(capa, found)), "w2s_accuracy": w2s}
        for seed, (capa, found, w2s) in enumerate([(0.2, True, 0.8), (0.4, False, 0.85)])
    ]
    per = summarize_datasets(pd.DataFrame(rows), n_resamples=100)
    assert per.loc[0, "capa"] == pytest.approx(0.3)
    assert per.loc[0, "t1_found"] == pytest.approx(0.5)
