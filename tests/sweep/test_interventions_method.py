"""The interventions as a sweep method (real MiniLM on tiny CSVs): a warm-up shared per task,
every arm in the arms table beside the plain student, the arms' paired statistics, and
`w2sg results` end to end on the sweep folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from w2sg.cli import run_cli
from w2sg.sweep.executors import LocalExecutor
from w2sg.sweep.grid import parse_sweep
from w2sg.sweep.run import run_sweep

from .conftest import STUDY, grid

pytestmark = pytest.mark.slow  # the real MiniLM model

ARMS = ["none", "filter:knn", "relabel:logistic", "probe:knn", "confident", "overlap"]
INTERVENTIONS = {k: STUDY[k] for k in ("weak_layer", "weak_train", "strong_train", "test")}


@pytest.fixture(scope="module")
def benchmark_sweep(tiny_csvs, tmp_path_factory):
    raw = grid(tiny_csvs)
    raw["methods"] = {
        "interventions": {"kind": "interventions",
                          "params": {**INTERVENTIONS, "interventions": ARMS,
                                     "options": {"k": 10}}},
        "study": {"params": {**STUDY, "selection": True, "selection_rounds": 5}},
        "labelmodel": {"kind": "study", "datasets": ["tiny0"],
                       "params": {**STUDY, "val": 20, "weak_supervisor": "labelmodel",
                                  "label_functions": "sentiment", "label_model_epochs": 50}},
    }  # fmt: skip
    out = tmp_path_factory.mktemp("benchmark-sweep")
    run = run_sweep(parse_sweep(raw), out, executor=LocalExecutor(1), progress=False,
                    log=lambda _: None)  # fmt: skip
    return out, run


def test_every_cell_runs_after_one_warm_up_per_task_and_method(benchmark_sweep):
    out, run = benchmark_sweep
    assert run.counts == {"done": 15}
    warm = json.loads((out / "manifest.json").read_text())["warm"]
    # one per task and kind: the label-model study shares the study's (same models and rows)
    assert len(warm) == 4 and all(w["ok"] for w in warm.values())
    results = json.loads(
        (out / "cells/tiny0/minilm-l6__minilm-l6/interventions/seed0/results.json").read_text()
    )
    assert set(results["per_seed"][0]["interventions"]) == set(ARMS)
    assert results["config"]["options"]["k"] == 10


def test_the_arms_table_pairs_each_arm_with_the_plain_student(benchmark_sweep):
    out, _ = benchmark_sweep
    arms = pd.read_csv(out / "arms.csv")
    assert len(arms) == 2 * 3 * len(ARMS) and set(arms["reference"]) == {"none"}
    table = pd.read_csv(out / "table.csv")
    supervisors = table.groupby("method")["weak_supervisor"].unique().to_dict()
    assert {k: list(v) for k, v in supervisors.items()} == {
        "interventions": ["probe"], "study": ["probe"], "labelmodel": ["labelmodel"]}  # fmt: skip
    assert set(table[table.method == "labelmodel"]["dataset"]) == {"tiny0"}
    # the plain student `none` is the study's student, trained exactly so
    study = table[table.method == "study"].set_index(["dataset", "seed"])["w2s_accuracy"]
    plain = arms[arms.arm == "none"].set_index(["dataset", "seed"])["accuracy"]
    pd.testing.assert_series_equal(plain.sort_index(), study.sort_index(), check_names=False)
    iv = table[table.method == "interventions"].set_index(["dataset", "seed"])["w2s_accuracy"]
    pd.testing.assert_series_equal(iv.sort_index(), study.sort_index(), check_names=False)
    stats = json.loads((out / "statistics.json").read_text())
    tests = {r["arm"]: r for r in stats["arms_vs_reference"]}
    assert set(tests) == set(ARMS) - {"none"}
    assert all(t["n"] == 2 and t["pairs"] == 6 for t in tests.values())
    assert "Arms against the plain student" in (out / "summary.md").read_text()


def test_results_on_the_real_sweep_writes_every_claim(benchmark_sweep, tmp_path):
    out, _ = benchmark_sweep
    page = tmp_path / "results.md"
    code = run_cli(["results", "--sweeps", str(out), "--out", str(page), "--bootstrap", "500",
                    "--min-test", "0", "--min-strong-train", "0"])  # fmt: skip
    assert code == 0
    text = page.read_text()
    for heading in ("## Headline", "## (a) Mixing", "## (b) Selection", "## (c) Fine-tune",
                    "## (d) Interventions", "## (e) Across tasks"):  # fmt: skip
        assert heading in text
    for arm in set(ARMS) - {"none"}:
        assert f"| {arm} | 2 |" in text
    assert "| tiny0 | 3 |" in text  # (a) and (b): a row per task over the 3 seeds
    weak_supervision = text[text.index("## Weak supervision") :]
    assert "| tiny0 (minilm-l6 → minilm-l6) | labelmodel | 3 |" in weak_supervision
    assert "cold " in text and "no cached rerun yet" in text
