"""The local executor runs a small grid; reruns skip finished cells; a failure is recorded."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from w2sg.sweep.executors import LocalExecutor
from w2sg.sweep.grid import parse_sweep, plan_cells
from w2sg.sweep.run import run_sweep

from .conftest import comparable, grid

pytestmark = pytest.mark.slow  # the real MiniLM model


def test_a_small_grid_runs_every_cell(local_sweep):
    config, out, run = local_sweep
    assert run.counts == {"done": 6} and run.ran == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["warm"]) == 2  # shared activations warmed once per dataset
    assert all(w["ok"] for w in manifest["warm"].values()), manifest["warm"]
    table = pd.read_parquet(out / "table.parquet")
    assert len(table) == 6 and (table.state == "done").all()
    csv = pd.read_csv(out / "table.csv")
    assert list(csv.columns) == list(table.columns) and len(csv) == 6
    np.testing.assert_allclose(csv.w2s_accuracy, table.w2s_accuracy)
    for entry, row in zip(manifest["cells"].values(), table.itertuples(), strict=True):
        results = json.loads((out / entry["dir"] / "results.json").read_text())
        assert results["config"]["seeds"] == [row.seed]
        assert row.w2s_accuracy == results["w2s"]["accuracy"]
        assert 0.0 <= row.weak_accuracy <= 1.0 and 0.0 <= row.overlap_share <= 1.0
        assert entry["state"] == "done" and entry["duration_s"] > 0
    stats = json.loads((out / "statistics.json").read_text())
    assert {r["dataset"] for r in stats["per_dataset"]} == {"tiny0", "tiny1"}
    assert (out / "report.html").is_file() and (out / "pgr_by_dataset.png").is_file()
    assert "| tiny0 | study |" in (out / "summary.md").read_text()


def test_rerun_skips_finished_cells(local_sweep):
    config, out, _ = local_sweep
    before = {p: p.stat().st_mtime_ns for p in out.glob("cells/**/results.json")}
    table = pd.read_parquet(out / "table.parquet")
    run = run_sweep(config, out, executor=LocalExecutor(1), progress=False, log=lambda _: None)
    assert run.ran == 0 and run.skipped == 6 and run.counts == {"done": 6}
    assert {p: p.stat().st_mtime_ns for p in out.glob("cells/**/results.json")} == before
    pd.testing.assert_frame_equal(comparable(pd.read_parquet(out / "table.parquet")),
                                  comparable(table))  # fmt: skip


def test_a_cached_rerun_spawns_no_worker(local_sweep, monkeypatch):
    """Workers start only when there is work: a rerun with every cell done spawns none."""
    config, out, _ = local_sweep
    executor = LocalExecutor(2)
    spawned: list[int] = []
    monkeypatch.setattr(executor, "start", lambda: spawned.append(1))
    run = run_sweep(config, out, executor=executor, progress=False, log=lambda _: None)
    assert run.ran == 0 and run.counts == {"done": 6}
    assert spawned == [] and executor._pool is None


def test_a_failing_cell_is_recorded_and_the_others_go_on(tiny_csvs, tmp_path):
    raw = grid(tiny_csvs, seeds=(0,))
    raw["datasets"] = [str(tiny_csvs[0]), {"name": str(tiny_csvs[1]), "params": {"test": 400}}]
    config = parse_sweep(raw)
    run = run_sweep(config, tmp_path, executor=LocalExecutor(1), progress=False,
                    log=lambda _: None)  # fmt: skip
    assert run.counts == {"done": 1, "failed": 1}
    cells = json.loads((tmp_path / "manifest.json").read_text())["cells"]
    bad = cells["tiny1/minilm-l6__minilm-l6/study/seed0"]
    assert bad["state"] == "failed" and "too small for these splits" in bad["error"]
    assert (tmp_path / (bad["dir"] + ".partial") / "error.txt").is_file()
    assert cells["tiny0/minilm-l6__minilm-l6/study/seed0"]["state"] == "done"
    assert "## Failed cells" in (tmp_path / "summary.md").read_text()
    table = pd.read_csv(tmp_path / "table.csv")
    assert list(table.state) == ["done", "failed"] and np.isnan(table.w2s_accuracy[1])

    again = run_sweep(config, tmp_path, executor=LocalExecutor(1), progress=False,
                      log=lambda _: None)  # fmt: skip
    assert again.ran == 0  # a failed cell is not retried unless asked
    retried = run_sweep(config, tmp_path, executor=LocalExecutor(1), retry_failed=True,
                        progress=False, log=lambda _: None)  # fmt: skip
    assert retried.ran == 1
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["cells"]["tiny1/minilm-l6__minilm-l6/study/seed0"]["attempts"] == 2


def test_a_changed_config_reruns_only_the_changed_cells(tiny_csvs, tmp_path):
    raw = grid(tiny_csvs[:1], seeds=(0,))
    first = run_sweep(parse_sweep(raw), tmp_path, executor=LocalExecutor(1), progress=False,
                      log=lambda _: None)  # fmt: skip
    raw["seeds"] = [0, 1]
    second = run_sweep(parse_sweep(raw), tmp_path, executor=LocalExecutor(1), progress=False,
                       log=lambda _: None)  # fmt: skip
    raw["methods"]["study"]["params"]["l2"] = 0.01
    third = run_sweep(parse_sweep(raw), tmp_path, executor=LocalExecutor(1), progress=False,
                      log=lambda _: None)  # fmt: skip
    assert (first.ran, second.ran, second.skipped, third.ran) == (1, 1, 1, 2)


def test_a_cells_numbers_do_not_depend_on_which_worker_ran_it(local_sweep, tmp_path):
    """With 2 workers the cells are shared by this process and a spawned one (1 thread each);
    one worker runs them all here with 2 threads: every cell's numbers agree."""
    config, out, _ = local_sweep
    cells = json.loads((out / "manifest.json").read_text())["cells"]
    workers = {c["worker"] for c in cells.values()}
    assert len(workers) == 2 and os.getpid() in workers  # both processes ran cells
    run_sweep(config, tmp_path, executor=LocalExecutor(1), progress=False, log=lambda _: None)
    pd.testing.assert_frame_equal(comparable(pd.read_parquet(tmp_path / "table.parquet")),
                                  comparable(pd.read_parquet(out / "table.parquet")))  # fmt: skip


def _stored(root) -> dict[tuple[str, bytes], np.ndarray]:
    """Every vector under a cache folder: (store, digest) -> vector."""
    from safetensors.numpy import load_file

    out = {}
    for shard in sorted(root.glob("store/*/shard-*.safetensors")):
        data = load_file(str(shard))
        for digest, vector in zip(data["digests"], data["vectors"], strict=True):
            out[(shard.parent.name, digest.tobytes())] = vector
    return out


def test_one_warm_up_for_all_seeds_stores_what_one_per_seed_would(tiny_csvs, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    from w2sg.sweep.methods import get_method
    from w2sg.sweep.run import warm_tasks
    from w2sg.sweep.tasks import execute

    cells = [c for c in plan_cells(parse_sweep(grid(tiny_csvs[:1]))) if c.kind == "study"]
    (task,) = warm_tasks(cells, threads=1)
    assert [c.seeds for c in task.configs] == [(0, 1, 2)]  # three cells, one warm-up
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "merged"))
    assert execute(task).ok
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "per-seed"))
    for cell in cells:
        get_method("study").warm(cell.config)
    merged, per_seed = _stored(tmp_path / "merged"), _stored(tmp_path / "per-seed")
    assert merged and merged.keys() == per_seed.keys()
    assert all(np.array_equal(merged[k], per_seed[k]) for k in merged)  # the same bits


def test_a_dry_run_lists_the_states_and_writes_nothing(local_sweep, tiny_csvs, tmp_path):
    import subprocess
    import sys

    import yaml

    _, out, _ = local_sweep
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(grid(tiny_csvs)))
    before = (out / "manifest.json").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "w2sg", "sweep", str(path), "--dry-run",
                           "--out", str(out)], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "6 cells; 0 to run" and lines[0].split()[:2] == ["skip", "done"]
    assert (out / "manifest.json").read_bytes() == before
