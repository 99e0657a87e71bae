"""`w2sg run` on a user's CSV with string labels and a source column, over two split seeds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from w2sg.data import load_dataset

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files-seeds")
    rt = load_dataset("rotten_tomatoes")
    rng = np.random.default_rng(0)
    rows = rng.choice(len(rt), 900, replace=False)
    pd.DataFrame(
        {
            "review": rt.texts[rows],
            "sentiment": np.where(rt.labels[rows] == 1, "pos", "neg"),
            "site": rng.choice(["blog", "paper"], len(rows)),
        }
    ).to_csv(tmp / "reviews.csv", index=False)
    out = tmp / "out"
    proc = subprocess.run(
        [
            sys.executable, "-m", "w2sg", "run", "--dataset", str(tmp / "reviews.csv"),
            "--text-column", "review", "--label-column", "sentiment",
            "--label-map", "pos=1,neg=0", "--source-column", "site",
            "--weak", "minilm-l6", "--weak-layer", "1", "--strong", "minilm-l6",
            "--seeds", "0,1", "--weak-train", "120", "--strong-train", "160", "--test", "120",
            "--mixing-seeds", "0", "--selection-seeds", "0", "--selection-rounds", "4",
            "--out", str(out),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text())


def test_top_level_metrics_are_means_over_split_seeds(run):
    _, r = run
    assert [s["seed"] for s in r["per_seed"]] == [0, 1]
    for model in ("weak", "w2s", "ceiling"):
        for metric in ("accuracy", "auc"):
            values = [s[model][metric] for s in r["per_seed"]]
            assert r[model][metric] == pytest.approx(np.mean(values))
            assert r[f"{model}_std"][metric] == pytest.approx(np.std(values))
    assert set(r["pgr_median"]) == {"accuracy", "auc"}
    assert r["per_seed"][0]["weak"] != r["per_seed"][1]["weak"]  # different splits


def test_each_seed_has_its_partition_and_mixing_rows(run):
    out, r = run
    assert {row["split_seed"] for row in r["mixing"]} == {0, 1}
    for seed, name in ((0, "overlap.npz"), (1, "overlap_seed1.npz")):
        block = r["per_seed"][seed]["overlap"]
        assert block["file"] == name
        z = np.load(out / name)
        parts = np.concatenate([z["overlap"], z["easy_only"], z["hard_only"]])
        assert sorted(parts.tolist()) == list(range(160))


def test_a_source_column_gives_natural_arms(run):
    _, r = run
    assert r["selection"]["arms"]["kind"] == "natural"
    assert r["selection"]["arms"]["names"] == ["blog", "paper"]
    assert r["config"]["dataset_options"]["label_map"] == {"pos": 1, "neg": 0}
