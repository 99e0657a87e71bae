"""A study survives a failing stage, and resumes from its saved stages (generated data)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from w2sg.data.types import TextDataset
from w2sg.study.config import StudyConfig
from w2sg.study.prepare import PreparedStudy, StudyArrays
from w2sg.study.run import run_prepared_study

CONFIG = StudyConfig(
    weak_train=200, strong_train=300, test=200, mixing_seeds=(0,), selection_seeds=(0,),
    selection_rounds=4, selection_eval_every=2,
)  # fmt: skip


def _views(n: int, rng: np.random.Generator, weak_signal: float, strong_signal: float = 1.5):
    y = rng.integers(0, 2, n)
    s = (2 * y - 1)[:, None].astype(float)
    weak = np.hstack([s * weak_signal + rng.normal(0, 1, (n, 1)), rng.normal(0, 1, (n, 5))])
    strong = np.hstack([s * strong_signal + rng.normal(0, 1, (n, 1)), rng.normal(0, 1, (n, 9))])
    return y, weak.astype(np.float32), strong.astype(np.float32)


def _prepared(
    weak_signal: float, blind_weak: bool = False, strong_signal: float = 1.5
) -> PreparedStudy:
    rng = np.random.default_rng(0)
    yw, xw, _ = _views(200, rng, weak_signal, strong_signal)
    yp, xpw, xps = _views(300, rng, weak_signal, strong_signal)
    yt, xtw, xts = _views(200, rng, weak_signal, strong_signal)
    if blind_weak:  # the weak model sees nothing: every point equally (un)confident
        xw, xpw, xtw = np.zeros_like(xw), np.zeros_like(xpw), np.zeros_like(xtw)
    arrays = StudyArrays(
        weak_train_x=xw, weak_train_y=yw, pool_ids=np.array([f"p{i}" for i in range(300)]),
        pool_weak_x=xpw, pool_strong_x=xps, pool_y=yp, pool_sources=None,
        test_weak_x=xtw, test_strong_x=xts, test_y=yt,
    )  # fmt: skip
    dataset = TextDataset.from_rows("generated", [f"t{i}" for i in range(10)], [0, 1] * 5)
    return PreparedStudy(dataset=dataset, arrays={0: arrays})


def _numbers(results: dict) -> dict:
    return {k: v for k, v in results.items() if k not in ("provenance", "timings")}


def test_no_overlap_records_the_failed_stages_and_writes_the_rest(tmp_path):
    prepared = _prepared(0.6, blind_weak=True)
    results = run_prepared_study(CONFIG, prepared, tmp_path, log=lambda m: None)
    stages = results["stages"]["seed0"]
    assert stages["probes"] == {"status": "ok"} and stages["detection"] == {"status": "ok"}
    assert results["overlap"]["n_overlap"] == 0 and results["overlap"]["fallback"]
    assert stages["mixing"]["status"] == "failed" and "overlap" in stages["mixing"]["reason"]
    assert stages["selection"]["status"] == "failed" and stages["selection"]["reason"]
    assert results["mixing"] is None and results["selection"] is None
    assert results["weak"]["accuracy"] == pytest.approx(0.5, abs=0.1)  # chance, but written
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk["stages"] == results["stages"]
    summary = (tmp_path / "summary.md").read_text()
    assert "Stages that did not run" in summary and "mixing: failed" in summary
    assert (tmp_path / "overlap.npz").exists() and (tmp_path / "models.png").exists()


def test_undefined_pgr_says_why_at_the_top(tmp_path):
    # the "strong" view carries no label signal: the ceiling cannot beat the weak model
    prepared = _prepared(1.5, strong_signal=0.0)
    results = run_prepared_study(CONFIG, prepared, tmp_path, log=lambda m: None)
    assert results["pgr"] == {"accuracy": None, "auc": None}
    assert "no PGR: ceiling - weak" in results["pgr_reasons"]["accuracy"]
    assert results["pgr_reasons"] == results["per_seed"][0]["pgr_reasons"]
    assert "PGR on accuracy: no PGR: ceiling - weak" in (tmp_path / "summary.md").read_text()


def test_rerun_resumes_every_stage_with_identical_results(tmp_path):
    logs: list[str] = []
    first = run_prepared_study(CONFIG, _prepared(0.6), tmp_path, log=logs.append)
    assert all(s == {"status": "ok"} for s in first["stages"]["seed0"].values())
    assert first["provenance"]["resumed_stages"] == []
    logs.clear()
    again = run_prepared_study(CONFIG, _prepared(0.6), tmp_path, log=logs.append)
    assert _numbers(again) == _numbers(first)
    assert sorted(again["provenance"]["resumed_stages"]) == [
        "seed0/detection",
        "seed0/mixing",
        "seed0/probes",
        "seed0/selection",
    ]
    assert sum("resumed" in m for m in logs) == 4


def test_a_changed_late_option_reruns_only_its_stage(tmp_path):
    run_prepared_study(CONFIG, _prepared(0.6), tmp_path, log=lambda m: None)
    changed = dataclasses.replace(CONFIG, mixing_seeds=(0, 1))
    again = run_prepared_study(changed, _prepared(0.6), tmp_path, log=lambda m: None)
    assert sorted(again["provenance"]["resumed_stages"]) == [
        "seed0/detection",
        "seed0/probes",
        "seed0/selection",
    ]
    assert {row["seed"] for row in again["mixing"]} == {0, 1}


def test_changed_inputs_recompute_everything(tmp_path):
    run_prepared_study(CONFIG, _prepared(0.6), tmp_path, log=lambda m: None)
    again = run_prepared_study(CONFIG, _prepared(0.9), tmp_path, log=lambda m: None)
    assert again["provenance"]["resumed_stages"] == []
