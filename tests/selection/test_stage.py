"""The selection stage and its figures (docs/methods.md#selection) on a synthetic pool."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.overlap.detect import detect_overlap
from w2sg.report.selection_figures import write_selection_figures
from w2sg.selection.stage import run_selection_stage


@pytest.fixture(scope="module")
def stage(pool, test_set) -> dict:
    probs, acts, types, _ = pool
    return run_selection_stage(
        probs, acts, types, None, *test_set, seeds=(0, 1), rounds=8, eval_every=4,
        estimator="calibrated",
    )  # fmt: skip


def test_stage_runs_every_strategy_on_constructed_arms(stage: dict) -> None:
    assert stage["arms"]["kind"] == "constructed"
    assert list(stage["strategies"]) == ["ucb", "ucb1", "random", "oracle"]
    for s in stage["strategies"].values():
        assert [r["seed"] for r in s["runs"]] == [0, 1]
        summary = s["summary"]
        assert summary["rounds"] == list(range(1, 9))
        assert summary["per_round"]["accuracy"]["n"] == [0, 0, 0, 2, 0, 0, 0, 2]
        assert sum(summary["pulls_mean"]) == 8
        runs_final = [r["rounds"][-1]["estimated_ratio"] for r in s["runs"]]
        assert summary["final"]["estimated_ratio"]["mean"] == pytest.approx(np.mean(runs_final))
        assert summary["final"]["estimated_ratio"]["std"] == pytest.approx(np.std(runs_final))
    assert (stage["config"]["detection"], stage["config"]["estimator"]) == (
        "history",
        "calibrated",
    )
    ucb = stage["strategies"]["ucb"]["summary"]
    run0 = stage["strategies"]["ucb"]["runs"][0]
    assert ucb["arm_estimates"]["calibrated"][1]["mean"][-1] == pytest.approx(
        np.mean([r["rounds"][-1]["arm_estimates_by"]["calibrated"][1] for r in
                 stage["strategies"]["ucb"]["runs"]])
    )  # fmt: skip
    assert run0["calibration"]["sample_size"] == 600  # the whole pool (at most 5,000 points)
    oracle = stage["strategies"]["oracle"]["summary"]
    assert oracle["final"]["regret"]["mean"] == 0.0
    final = {k: v["summary"]["final"] for k, v in stage["strategies"].items()}
    assert final["ucb"]["true_ratio"]["mean"] >= final["random"]["true_ratio"]["mean"]
    assert ucb["pulls_mean"][1] > ucb["pulls_mean"][0]  # the denser arm, p = 0.9


def test_stage_is_json_able(stage: dict, tmp_path: Path) -> None:
    text = json.dumps(stage)
    assert json.loads(text)["config"]["bonus"]["ucb"].startswith("sqrt(2 ln T)")


def test_figures_are_written_as_png_and_svg(stage: dict, tmp_path: Path) -> None:
    paths = write_selection_figures(stage, tmp_path, title="synthetic")
    stems = {p.stem for p in paths}
    assert stems == {
        "selection_overlap_ratio",
        "selection_accuracy",
        "selection_regret",
        "selection_pulls",
        "selection_arm_estimates",
    }
    for p in paths:
        assert p.stat().st_size > 1000
    assert {p.suffix for p in paths} == {".png", ".svg"}


def test_natural_sources_are_used_when_present(pool, test_set, tmp_path: Path) -> None:
    probs, acts, types, _ = pool
    sources = np.where(types == "overlap", "dense_domain", "other_domain")
    partition = detect_overlap(probs, acts)
    stage = run_selection_stage(
        probs, acts, partition, sources, *test_set, seeds=(0,), rounds=6, eval_every=0
    )
    assert stage["arms"]["kind"] == "natural"
    assert stage["arms"]["names"] == ["dense_domain", "other_domain"]
    assert list(stage["strategies"]) == ["ucb", "ucb1", "random"]
    density = stage["arms"]["pool_detected_density"]
    assert density["dense_domain"] > density["other_domain"]
    assert "true_ratio" not in stage["strategies"]["ucb"]["summary"]["per_round"]
    paths = write_selection_figures(stage, tmp_path)
    assert "selection_regret" not in {p.stem for p in paths}


def test_stage_rejects_bad_requests(pool, test_set) -> None:
    probs, acts, types, _ = pool
    with pytest.raises(W2SGError, match="partition"):
        run_selection_stage(probs, acts, None, None, *test_set)
    with pytest.raises(W2SGError, match="oracle"):
        sources = np.where(np.arange(len(types)) % 2 == 0, "a", "b")
        run_selection_stage(probs, acts, None, sources, *test_set, strategies=["oracle"])
    with pytest.raises(W2SGError, match="labels"):
        run_selection_stage(probs, acts, np.full(len(types), "x"), None, *test_set)
