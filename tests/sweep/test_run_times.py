"""manifest.json records every run of a sweep: its wall time (kept up to date, so a killed run
leaves what it spent), how many cells it had to run; the cold and the cached time follow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from w2sg.benchmark.inputs import run_times
from w2sg.sweep.executors import LocalExecutor
from w2sg.sweep.grid import parse_sweep
from w2sg.sweep.methods import METHODS, Method, register
from w2sg.sweep.run import run_sweep

STOP = {"at": None}  # a cell id whose run is interrupted (as Ctrl-C would)


@dataclass(frozen=True)
class EchoConfig:
    dataset: str
    seed: int


def _run(config: EchoConfig, out: Path) -> dict:
    if STOP["at"] == (config.dataset, config.seed):
        raise KeyboardInterrupt
    metrics = {"accuracy": 0.7 + 0.01 * config.seed, "auc": 0.8}
    results = {"config": {"pgr_margin": 0.01}, "weak": metrics, "w2s": metrics,
               "ceiling": {"accuracy": 0.9, "auc": 0.95}}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results))
    return results


if "echo_for_tests" not in METHODS:
    register(Method("echo_for_tests", lambda p, _: EchoConfig(p.dataset, p.seed), _run))


def _sweep(folder: Path):
    config = parse_sweep({"name": "echo", "datasets": ["a"], "pairs": [["w", "s"]],
                          "methods": {"echo": {"kind": "echo_for_tests"}}, "seeds": [0, 1, 2],
                          "bootstrap": 100})  # fmt: skip
    return run_sweep(config, folder, executor=LocalExecutor(1), progress=False,
                     log=lambda _: None, check=False)  # fmt: skip


def test_cold_then_cached_runs_are_recorded(tmp_path):
    _sweep(tmp_path)
    _sweep(tmp_path)
    runs = json.loads((tmp_path / "manifest.json").read_text())["runs"]
    assert [r["to_run"] for r in runs] == [3, 0] and all(r["finished"] for r in runs)
    assert runs[0]["counts"] == {"done": 3} and runs[0]["wall_s"] > 0
    assert runs[0]["command"] and runs[0]["started"] <= runs[1]["started"]
    times = run_times(runs)
    assert times.cold_s == pytest.approx(runs[0]["wall_s"]) and times.cold_runs == 1
    assert times.cached_s == pytest.approx(runs[1]["wall_s"]) and times.cold_cells == 3
    # each run records its warm-up time; the cold time says how much of it that was
    assert 0 <= runs[0]["warm_s"] <= runs[0]["wall_s"] and runs[1]["warm_s"] == 0
    assert times.cold_warm_s == pytest.approx(runs[0]["warm_s"])


def test_a_killed_run_keeps_its_time_and_counts_as_cold(tmp_path):
    STOP["at"] = ("a", 1)
    try:
        with pytest.raises(KeyboardInterrupt):
            _sweep(tmp_path)
    finally:
        STOP["at"] = None
    runs = json.loads((tmp_path / "manifest.json").read_text())["runs"]
    assert len(runs) == 1 and not runs[0]["finished"] and runs[0]["wall_s"] > 0
    _sweep(tmp_path)  # resumes: seeds 1 and 2 are left
    _sweep(tmp_path)
    runs = json.loads((tmp_path / "manifest.json").read_text())["runs"]
    assert [r["to_run"] for r in runs] == [3, 2, 0]
    times = run_times(runs)
    assert times.cold_runs == 2 and times.cold_unfinished == 1
    assert times.cold_s == pytest.approx(runs[0]["wall_s"] + runs[1]["wall_s"])
    assert times.cached_s == pytest.approx(runs[2]["wall_s"])
