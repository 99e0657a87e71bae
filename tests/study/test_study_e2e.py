"""`w2sg run` end to end on the real offline models, on a small Rotten Tomatoes subset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

SMALL = [
    "--weak-train", "160", "--strong-train", "200", "--test", "160",
    "--mixing-seeds", "0,1", "--selection-seeds", "0", "--selection-rounds", "6",
]  # fmt: skip


def _w2sg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "w2sg", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[Path, dict, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("study")
    proc = _w2sg("run", *SMALL, "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text()), proc


def test_results_follow_the_contract(study):
    _, r, _ = study
    for model in ("weak", "w2s", "ceiling"):
        assert 0.5 < r[model]["accuracy"] <= 1.0
        assert 0.5 < r[model]["auc"] <= 1.0
    assert r["ceiling"]["accuracy"] > r["weak"]["accuracy"]  # MPNet is the stronger model
    assert set(r["pgr"]) == {"accuracy", "auc"}
    o = r["overlap"]
    assert o["n_overlap"] + o["n_easy_only"] + o["n_hard_only"] == 200
    for key in ("confidence_threshold", "overlap_threshold", "fallback"):
        assert key in o
    cfg = r["config"]
    assert cfg["weak_model"] == "minilm-l6" and cfg["strong_model"] == "mpnet-base"
    assert cfg["w2sg_version"] and cfg["seeds"] == [0]
    mix = [row for row in r["mixing"] if row["kind"] == "mix"]
    base = [row for row in r["mixing"] if row["kind"] == "baseline"]
    assert len(mix) == 11 * 2 and len(base) == 2
    assert {row["q"] for row in mix} == {round(0.1 * i, 1) for i in range(11)}
    assert r["selection"] is not None


def test_partition_file_is_exact(study):
    out, r, _ = study
    z = np.load(out / "overlap.npz")
    parts = np.concatenate([z["overlap"], z["easy_only"], z["hard_only"]])
    assert sorted(parts.tolist()) == list(range(200))
    assert len(z["pool_ids"]) == 200 and len(set(z["pool_ids"].tolist())) == 200
    assert len(z["overlap"]) == r["overlap"]["n_overlap"]


def test_figures_and_summary_are_written(study):
    out, _, _ = study
    for stem in ("models", "weak_confidence", "overlap_scores", "mixing"):
        for ext in ("png", "svg"):
            assert (out / f"{stem}.{ext}").stat().st_size > 1000
    summary = (out / "summary.md").read_text()
    assert "PGR" in summary and "Mixing experiment" in summary
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 4 and "provenance" in page.lower()
    assert not list(out.glob(".*.tmp"))  # no half-written artifacts


def test_same_config_same_numbers_from_the_cache(study, tmp_path):
    _, first, _ = study
    proc = _w2sg("run", *SMALL, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads((tmp_path / "results.json").read_text())
    # two processes, one config: everything but provenance and timings is identical
    drop = ("provenance", "timings")
    assert {k: v for k, v in again.items() if k not in drop} == {
        k: v for k, v in first.items() if k not in drop
    }


def test_provenance_names_what_made_the_numbers(study):
    _, r, _ = study
    prov = r["provenance"]
    assert prov["device"] in ("cpu", "cuda") and prov["dtype"] in ("float32", "bfloat16", "float16")
    assert prov["models"]["weak"]["identity"].startswith("sha256:53aa5117")
    assert prov["models"]["strong"]["identity"].startswith("sha256:78c0197b")
    assert prov["libraries"]["torch"] and prov["libraries"]["scikit-learn"]
    assert "run" in prov["command"] and prov["machine"]["cores"] >= 1
    assert all(s == {"status": "ok"} for s in r["stages"]["seed0"].values())


def test_unknown_dataset_is_one_clear_line(tmp_path):
    proc = _w2sg("run", "--dataset", "no_such_dataset", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "w2sg data list" in proc.stderr


def test_unknown_model_is_one_clear_line(tmp_path):
    proc = _w2sg("run", "--weak", "no-such-model-alias", *SMALL, "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
