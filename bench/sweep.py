"""Cells per minute of the sweep executors on one grid of cached, cheap cells.

The published tools run a grid one cell after another in one process; `w2sg sweep` runs
cells in worker processes (local) or as Ray tasks. Here one grid (tiny user CSVs built from
Rotten Tomatoes, MiniLM layer 1 -> MiniLM last layer, the probe-mode study without the
selection stage) runs from a warm activation cache three ways, each into a fresh folder:

  sequential   one worker, cells one after another in this process (the reference)
  local x2     the local executor with 2 workers: this process and one spawned process
  ray          a local Ray cluster with 2 CPUs (when Ray is installed)

It is timed in two settings, each printing end-to-end time and its parts (the warm-up check, the
cell phase, and the rest: starting and stopping the pool, the table, statistics and report),
with cells per minute end to end and in the cell phase:

  in this process   `run_sweep` called here, where Python, torch and the models' libraries
                    are already loaded; only a spawned worker pays that start-up (seconds)
  fresh process     `w2sg sweep GRID --workers N` (sequential and local x2), as a user runs
                    it: both pay the start-up, and the wall time includes it

    .venv/bin/python bench/sweep.py [--datasets 3] [--seeds 4] [--rows 100]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
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


def in_process(config, folder: Path, executors: dict) -> list[tuple]:
    """`run_sweep` in this process (libraries loaded) for each executor: its times."""
    from w2sg.sweep.run import run_sweep

    rows = []
    for name, make in executors.items():
        t0 = time.perf_counter()
        run = run_sweep(config, folder / slug(name), executor=make(), progress=False,
                        log=lambda _: None)  # fmt: skip
        total = time.perf_counter() - t0
        rest = total - run.warm_s - run.cells_s  # pool start and stop, table, statistics, report
        rows.append((name, run.ran, total, run.warm_s, run.cells_s, rest))
    return rows


def commands(grid: dict, folder: Path) -> list[tuple]:
    """`w2sg sweep GRID --workers N` in a fresh process, as a user runs it: its wall time,
    start-up (Python, torch, the models' libraries) included in both."""
    import yaml

    path = folder / "grid.yaml"
    path.write_text(yaml.safe_dump(grid))
    rows = []
    for name, workers in (("sequential", 1), ("local x2", 2)):
        out = folder / f"cli-{slug(name)}"
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "w2sg", "sweep", str(path), "--out", str(out),
                               "--workers", str(workers)], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "200"})  # fmt: skip
        total = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"w2sg sweep failed ({done.returncode}): {done.stderr.strip()}")
        times = re.search(r"(\d+) cell\(s\) run, \d+ skipped in [\d.]+s \(warm-up ([\d.]+)s, "
                          r"cells ([\d.]+)s\)", done.stdout + done.stderr)  # fmt: skip
        if times is None:
            raise SystemExit(f"unexpected output of w2sg sweep: {done.stdout + done.stderr}")
        ran, warm, cells = int(times[1]), float(times[2]), float(times[3])
        rows.append((name, ran, total, warm, cells, total - warm - cells))
    return rows


def table(title: str, rows: list[tuple]) -> None:
    print(title)
    print(f"{'executor':14} {'cells':>5} {'total s':>8} {'warm s':>7} {'cells s':>8} "
          f"{'rest s':>7} {'cells/min':>10} {'cells/min (cell phase)':>23}")  # fmt: skip
    for name, n, total, warm, cells, rest in rows:
        print(f"{name:14} {n:5d} {total:8.1f} {warm:7.1f} {cells:8.1f} {rest:7.1f} "
              f"{60 * n / total:10.1f} {60 * n / cells:23.1f}")  # fmt: skip
    _, n0, total0, _, cells0, _ = rows[0]
    for name, n, total, _, cells, _ in rows[1:]:
        print(
            f"{name} vs sequential: {(n / total) / (n0 / total0):.2f}x cells per minute end to "
            f"end, {(n / cells) / (n0 / cells0):.2f}x in the cell phase (target: 2 workers >= 1.7x)"
        )


def slug(name: str) -> str:
    return name.split()[0]


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
    try:
        grid = tiny_grid(tmp, args.datasets, args.seeds, args.rows)
        config = parse_sweep(grid)
        run_sweep(config, tmp / "warm", executor=LocalExecutor(1), progress=False,
                  log=lambda _: None)  # fill the cache  # fmt: skip
        executors = {"sequential": lambda: LocalExecutor(1), "local x2": lambda: LocalExecutor(2)}
        try:
            import ray  # noqa: F401

            executors["ray (2 CPUs)"] = lambda: RayExecutor("auto", num_cpus=2)
        except ImportError:
            print("ray is not installed: skipping the Ray executor")
        rows = in_process(config, tmp, executors)
        if "ray (2 CPUs)" in executors:
            import ray

            ray.shutdown()
        print(f"grid: {args.datasets} datasets x {args.seeds} seeds = {rows[0][1]} cells of "
              f"{args.rows} texts per split, activations cached")  # fmt: skip
        table("run_sweep in this process (its libraries already loaded):", rows)
        table("w2sg sweep in a fresh process (as a user runs it):", commands(grid, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
