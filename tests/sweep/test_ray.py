"""The Ray executor on a local Ray cluster (2 CPUs) gives the local executor's table."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from w2sg.sweep.run import run_sweep

from .conftest import comparable

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow  # the real MiniLM model


def test_ray_gives_the_same_table_as_local(local_sweep, tmp_path):
    from w2sg.sweep.executors import RayExecutor

    config, reference, _ = local_sweep
    try:
        run = run_sweep(config, tmp_path, executor=RayExecutor("auto", num_cpus=2),
                        progress=False, log=lambda _: None)  # fmt: skip
    finally:
        ray.shutdown()
    assert run.counts == {"done": 6}
    pd.testing.assert_frame_equal(
        comparable(pd.read_parquet(tmp_path / "table.parquet")),
        comparable(pd.read_parquet(reference / "table.parquet")),
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for entry in manifest["cells"].values():  # the files came back from the Ray workers
        folder = tmp_path / entry["dir"]
        assert (folder / "results.json").is_file() and (folder / "overlap.npz").is_file()
