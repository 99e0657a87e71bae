"""Tiny user CSV datasets (real Rotten Tomatoes sentences) and a small sweep grid over them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from w2sg.data import load_dataset

# MiniLM at layer 1 is the weak model and at its last layer the strong one: cheap and real.
STUDY = {"weak_layer": 1, "weak_train": 60, "strong_train": 80, "test": 60,
         "mixing_seeds": [0], "mixing_qs": [0.0, 0.5, 1.0], "selection": False}  # fmt: skip


def write_tiny_csvs(folder: Path, n: int = 2, rows: int = 240) -> list[Path]:
    """`n` CSV files of `rows` sentences each (half of each label), from Rotten Tomatoes."""
    rt = load_dataset("rotten_tomatoes")
    rng = np.random.default_rng(0)
    paths = []
    for k in range(n):
        pick = np.concatenate([rng.choice(np.flatnonzero(rt.labels == c), rows // 2,
                                          replace=False) for c in (0, 1)])  # fmt: skip
        path = folder / f"tiny{k}.csv"
        pd.DataFrame({"text": rt.texts[pick], "label": rt.labels[pick]}).to_csv(path, index=False)
        paths.append(path)
    return paths


def grid(paths: list[Path], seeds=(0, 1, 2), **extra) -> dict:
    """A sweep mapping over `paths` with the tiny study."""
    return {
        "name": "tiny",
        "datasets": [str(p) for p in paths],
        "pairs": [["minilm-l6", "minilm-l6"]],
        "methods": {"study": {"params": dict(STUDY)}},
        "seeds": list(seeds),
        "bootstrap": 500,
        **extra,
    }


@pytest.fixture(scope="session")
def tiny_csvs(tmp_path_factory) -> list[Path]:
    return write_tiny_csvs(tmp_path_factory.mktemp("tiny-data"))


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The table without what may differ between two runs of one grid (durations)."""
    return table.drop(columns=["duration_s"]).reset_index(drop=True)


@pytest.fixture(scope="session")
def local_sweep(tiny_csvs, tmp_path_factory):
    """The tiny grid (2 datasets x 3 seeds) run once by the local executor with 2 workers."""
    from w2sg.sweep.executors import LocalExecutor
    from w2sg.sweep.grid import parse_sweep
    from w2sg.sweep.run import run_sweep

    out = tmp_path_factory.mktemp("sweep-local")
    config = parse_sweep(grid(tiny_csvs))
    run = run_sweep(config, out, executor=LocalExecutor(2), progress=False, log=lambda _: None)
    return config, out, run
