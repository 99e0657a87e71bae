"""Cells per minute of the sweep executors on one grid of cached, cheap cells.

The published tools run a grid one cell after another in one process; `w2sg sweep` runs
cells in worker processes (local) or as Ray tasks. Here one grid (tiny user CSVs built from
Rotten Tomatoes, MiniLM layer 1 -> MiniLM last layer, the probe-mode study without the
selection stage) runs from a warm activation cache three ways, each into a fresh folder:

  sequential   one worker, cells one after another in this process (the reference)
  local x2     the local executor with 2 workers: this process and one spawned process
  ray          a local Ray cluster with 2 CPUs (when Ray is installed)

End-to-end time of `run_sweep` and its parts are printed side by side: the warm-up check, the
cell phase, and the rest (starting and stopping the pool, the table, statistics and report),
with cells per minute end to end and in the cell phase. The spawned worker's start-up (Python,
torch, scikit-learn, matplotlib: seconds) is inside the warm-up and cell phases.

    .venv/bin/python bench/sweep.py [--datasets 3] [--seeds 4] [--rows 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def study(rows: int) -> dict:
    """The study each cell runs: `rows` texts for each of weak_train, strong_train and test."""
    return {"weak_layer": 1, "weak_train": rows, "strong_train": rows, "test": rows,
            "mixing_seeds": [0], "mixing_qs": [0.0, 0.5, 1.0], "selection": False}  # fmt: skip


def tiny_grid(folder: Path, datasets: int, seeds: int, rows: int = 60) -> dict:
    from w2sg.data import load_dataset

    rt = load_dataset("rotten_tomatoes")
    rng = np.random.default_rng(0)
    paths = []
    for k in range(datasets):
        pick = np.concatenate([rng.choice(np.flatnonzero(rt.labels == c), 2 * rows, replace=False)
                               for c in (0, 1)])  # fmt: skip
        path = folder / f"bench{k}.csv"
        pd.DataFrame({"text": rt.texts[pick], "label": rt.labels[pick]}).to_csv(path, index=False)
        paths.append(str(path))
    return {"name": "bench", "datasets": paths, "pairs": [["minilm-l6", "minilm-l6"]],
            "methods": {"study": {"params": study(rows)}}, "seeds": list(range(seeds)),
            "bootstrap": 1000}  # fmt: skip


def main() -> None:
    from w2sg.sweep.executors import LocalExecutor, RayExecutor
    from w2sg.sweep.grid import parse_sweep
    from w2sg.sweep.run import run_sweep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--rows", type=int, default=100, help="texts per split of a cell")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="w2sg-bench-sweep-"))
    config = parse_sweep(tiny_grid(tmp, args.datasets, args.seeds, args.rows))
    quiet = {"progress": False, "log": lambda _: None}
    run_sweep(config, tmp / "warm", executor=LocalExecutor(1), **quiet)  # fill the cache
    executors = {"sequential": lambda: LocalExecutor(1), "local x2": lambda: LocalExecutor(2)}
    try:
        import ray  # noqa: F401

        executors["ray (2 CPUs)"] = lambda: RayExecutor("auto", num_cpus=2)
    except ImportError:
        print("ray is not installed: skipping the Ray executor")
    rows = []
    for name, make in executors.items():
        t0 = time.perf_counter()
        run = run_sweep(config, tmp / name.split()[0], executor=make(), **quiet)
        total = time.perf_counter() - t0
        n = run.ran
        rest = total - run.warm_s - run.cells_s  # pool start and stop, table, statistics, report
        rows.append((name, n, total, run.warm_s, run.cells_s, rest, 60 * n / total,
                     60 * n / run.cells_s))  # fmt: skip
    if "ray (2 CPUs)" in executors:
        import ray

        ray.shutdown()
    print(f"grid: {args.datasets} datasets x {args.seeds} seeds = {rows[0][1]} cells of "
          f"{args.rows} texts per split, activations cached")  # fmt: skip
    print(f"{'executor':14} {'cells':>5} {'total s':>8} {'warm s':>7} {'cells s':>8} "
          f"{'rest s':>7} {'cells/min':>10} {'cells/min (cell phase)':>23}")  # fmt: skip
    for name, n, total, warm, cells, rest, per_min, per_min_cells in rows:
        print(f"{name:14} {n:5d} {total:8.1f} {warm:7.1f} {cells:8.1f} {rest:7.1f} "
              f"{per_min:10.1f} {per_min_cells:23.1f}")  # fmt: skip
    ref, ref_cells = rows[0][-2], rows[0][-1]
    for name, *_, per_min, per_min_cells in rows[1:]:
        print(
            f"{name} vs sequential: {per_min / ref:.2f}x cells per minute end to end, "
            f"{per_min_cells / ref_cells:.2f}x in the cell phase (target: 2 workers >= 1.7x)"
        )


if __name__ == "__main__":
    main()
