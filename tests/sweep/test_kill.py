"""Killing a sweep mid-way (SIGKILL) and rerunning it gives the uninterrupted sweep's table."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from .conftest import comparable, grid

pytestmark = pytest.mark.slow  # the real MiniLM model


def _states(manifest) -> list[str]:
    try:
        return [c["state"] for c in json.loads(manifest.read_text())["cells"].values()]
    except (OSError, ValueError, KeyError):
        return []


def test_a_killed_sweep_resumes_to_the_same_table(local_sweep, tiny_csvs, tmp_path):
    _, reference, _ = local_sweep
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(grid(tiny_csvs)))
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "w2sg", "sweep", str(config), "--out", str(out),
               "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while "done" not in _states(out / "manifest.json"):
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "no cell finished in 10 minutes"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _states(out / "manifest.json")
    assert 1 <= at_kill.count("done") < 6, at_kill  # killed mid-way
    assert "running" in at_kill

    rerun = subprocess.run(command, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{6 - at_kill.count('done')} cell(s) run, {at_kill.count('done')} skipped" in (
        rerun.stderr.replace("\n", " ")
    )
    assert _states(out / "manifest.json") == ["done"] * 6
    assert not list(out.glob("cells/**/*.partial"))
    pd.testing.assert_frame_equal(
        comparable(pd.read_parquet(out / "table.parquet")),
        comparable(pd.read_parquet(reference / "table.parquet")),
    )
