"""Sweep folders with generated cells whose numbers are known: the study (with selection), the
interventions, a label-model study, and a fine-tune tier; written in the results.json shapes
the methods write, with a manifest that records a cold and a cached run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PAIR = ("weak-a", "strong-b")
# task -> (overlap share, PGR, test rows, seeds): PGR rises with the overlap share; t3's gap is
# below the guard margin; t4 has two seeds and 100 test rows (too small to count).
TASKS = {
    "t0": (0.10, 0.20, 400, 3),
    "t1": (0.20, 0.40, 400, 3),
    "t2": (0.30, 0.50, 400, 3),
    "t5": (0.40, 0.70, 400, 3),
    "t3": (0.25, None, 400, 3),
    "t4": (0.35, 0.60, 100, 2),
}
ARMS = {"none": 0.0, "filter:topo": 0.01, "probe:knn": -0.02}


def accuracies(task: str, seed: int) -> tuple[float, float, float]:
    """(weak, w2s, ceiling) of a task and seed: the gap is 0.15 (0.005 on t3)."""
    weak = 0.70 + 0.01 * seed
    share, target, _, _ = TASKS[task]
    if target is None:
        return weak, weak + 0.002, weak + 0.005
    return weak, weak + target * 0.15 + 0.002 * (seed - 1), weak + 0.15


def _metrics(acc: float) -> dict:
    return {"accuracy": acc, "auc": min(0.99, acc + 0.05)}


def _config(task: str, **extra) -> dict:
    test = TASKS[task][2]
    return {"weak_train": 600, "strong_train": 1000, "test": test, "pgr_margin": 0.01, **extra}


def _provenance() -> dict:
    return {"w2sg": {"version": "0", "commit": "abcdef0123456789"}}


def _selection(seed: int, k: int) -> dict:
    final = {
        "ucb": {"true_ratio": 0.70 + 0.01 * seed + 0.02 * k, "accuracy": 0.80 + 0.002 * (seed + k)},
        "random": {"true_ratio": 0.50, "accuracy": 0.79},
    }
    return {
        "arms": {"kind": "constructed"},
        "config": {"rounds": 25, "seeds": [0, 1, 2]},
        "strategies": {
            s: {"summary": {"final": {k: {"mean": v, "std": 0.0, "n": 3} for k, v in f.items()}}}
            for s, f in final.items()
        },
    }


def study_results(task: str, seed: int, supervisor: str = "probe") -> dict:
    weak, w2s, ceiling = accuracies(task, seed)
    if supervisor != "probe":
        weak -= 0.02
    share, k = TASKS[task][0], list(TASKS).index(task)
    one = {
        "seed": seed,
        "weak": _metrics(weak),
        "w2s": _metrics(w2s),
        "ceiling": _metrics(ceiling),
        "overlap": {
            "n_overlap": int(1000 * share),
            "n_easy_only": int(1000 * (1 - share)),
            "n_hard_only": 0,
        },  # fmt: skip
        "mixing_slope": 0.02 + 0.01 * seed + 0.003 * k,
        "selection": _selection(seed, k),
    }
    pgr = {m: (one["w2s"][m] - one["weak"][m]) / (one["ceiling"][m] - one["weak"][m])
           for m in ("accuracy", "auc")}  # fmt: skip
    one["pgr"] = pgr if ceiling - weak >= 0.01 else {"accuracy": None, "auc": None}
    return {"config": _config(task, weak_supervisor=supervisor), "provenance": _provenance(),
            **{k: one[k] for k in ("weak", "w2s", "ceiling", "pgr", "overlap", "mixing_slope",
                                   "selection")}, "per_seed": [one]}  # fmt: skip


def interventions_results(task: str, seed: int) -> dict:
    weak, w2s, ceiling = accuracies(task, seed)
    k = list(TASKS).index(task)
    arms = {name: {"test": _metrics(w2s + d * (1 + k / 4) + (0.003 * (seed - 1) if d else 0.0)),
                   "pgr": {},
                   "kept_fraction": 0.9} for name, d in ARMS.items()}  # fmt: skip
    one = {"seed": seed, "weak": _metrics(weak), "w2s": _metrics(w2s),
           "ceiling": _metrics(ceiling), "interventions": arms}  # fmt: skip
    return {"config": _config(task), "provenance": _provenance(), "probe_layer": 6,
            "per_seed": [one]}  # fmt: skip


def finetune_results(task: str, seed: int, gain: float) -> dict:
    weak, w2s, ceiling = accuracies(task, seed)
    students = {"xent": _metrics(w2s), "logconf": _metrics(w2s + gain + 0.002 * (seed - 1))}
    students = {k: {**v, "pgr": {}} for k, v in students.items()}
    one = {"seed": seed, "weak": _metrics(weak), "w2s": _metrics(w2s),
           "ceiling": _metrics(ceiling), "students": students}  # fmt: skip
    # each stage's training time, as the stage cache keeps it: 1,020 s a cell
    stages = {"weak": 50.0, "ceiling": 370.0, "xent": 300.0, "logconf": 300.0}
    timings = {**{f"seed{seed}/{k}_train_s": v for k, v in stages.items()},
               f"seed{seed}_s": 2.0, "total_s": 3.0}  # fmt: skip
    return {"config": _config(task, losses=["xent", "logconf"]), "provenance": _provenance(),
            "per_seed": [one], "timings": timings}  # fmt: skip


def write_sweep(folder: Path, name: str, cells: dict[tuple[str, str, str, int], dict]) -> Path:
    """A sweep folder: sweep.json, a manifest with a cold and a cached run, each cell's
    results.json. `cells` maps (dataset, method, kind, seed) to results."""
    entries = {}
    for (task, method, kind, seed), results in cells.items():
        cell_id = f"{task}/{PAIR[0]}__{PAIR[1]}/{method}/seed{seed}"
        path = folder / "cells" / cell_id
        path.mkdir(parents=True)
        (path / "results.json").write_text(json.dumps(results))
        entries[cell_id] = {"dir": f"cells/{cell_id}", "dataset": task, "weak": PAIR[0],
                            "strong": PAIR[1], "method": method, "kind": kind, "seed": seed,
                            "state": "done", "error": None, "duration_s": 1.0}  # fmt: skip
    half = len(entries) // 2
    runs = [
        {"started": "2026-01-01T00:00:00+00:00", "to_run": half, "wall_s": 3000.0,
         "finished": False, "command": ["w2sg", "sweep", f"configs/{name}.yaml"]},
        {"started": "2026-01-01T01:00:00+00:00", "to_run": len(entries) - half, "wall_s": 4000.0,
         "finished": True},
        {"started": "2026-01-02T00:00:00+00:00", "to_run": 0, "wall_s": 42.0, "finished": True},
    ]  # fmt: skip
    (folder / "sweep.json").write_text(json.dumps({"name": name, "guard_margin": 0.01}))
    manifest = {"sweep": name, "cells": entries, "warm": {}, "runs": runs}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def probe_sweep(tmp_path) -> Path:
    cells = {}
    for task, (_, _, _, seeds) in TASKS.items():
        for seed in range(seeds):
            cells[(task, "study", "study", seed)] = study_results(task, seed)
            cells[(task, "interventions", "interventions", seed)] = interventions_results(
                task, seed
            )
            if task in ("t0", "t1"):
                cells[(task, "labelmodel", "study", seed)] = study_results(task, seed, "labelmodel")
    return write_sweep(tmp_path / "probe", "benchmark", cells)


@pytest.fixture
def finetune_sweep(tmp_path) -> Path:
    gains = {"t0": 0.01, "t1": 0.02, "t2": -0.005}
    cells = {(t, "finetune", "finetune", s): finetune_results(t, s, g)
             for t, g in gains.items() for s in range(3)}  # fmt: skip
    return write_sweep(tmp_path / "finetune", "benchmark-finetune", cells)
