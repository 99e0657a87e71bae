"""A label model as the study's weak supervisor (docs/methods.md#weak-supervision): options, and the
study end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.errors import W2SGError
from w2sg.probes.w2s import weak_to_strong
from w2sg.study.config import StudyConfig

# The sizes of tests/experiments/test_study_e2e.py: in one pytest session the same splits
# reuse its cached activations.
SMALL = [
    "--weak-train", "160", "--strong-train", "200", "--test", "160",
    "--mixing-seeds", "0,1", "--no-selection",
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weak-supervisor", "majority"], "needs --label-functions"),
        (["--label-functions", "sentiment"], "need a label-model supervisor"),
        (["--weak-supervisor", "snorkel", "--label-functions", "sentiment"], "must be one of"),
        (["--weak-supervisor", "majority", "--label-functions", "nofile.json"], "no such file"),
        (["--weak-supervisor", "majority", "--label-functions", "{bad}"], "unknown kind"),
    ],
)
def test_run_rejects_bad_supervision_options(args, message, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"functions": [{"name": "x", "kind": "magic"}]}')
    args = [str(bad) if a == "{bad}" else a for a in args]
    result = CliRunner().invoke(app, ["run", "--dataset", "no-such-data", *args])
    assert isinstance(result.exception, W2SGError)
    assert message in str(result.exception)


def test_weak_probs_replace_the_weak_probe():
    rng = np.random.default_rng(0)
    y_pool, y_test = rng.integers(0, 2, 300), rng.integers(0, 2, 200)
    x_pool = (2 * y_pool - 1)[:, None] + rng.normal(0, 1, (300, 4))
    x_test = (2 * y_test - 1)[:, None] + rng.normal(0, 1, (200, 4))
    pool_probs = np.where(rng.random(300) < 0.8, y_pool, 1 - y_pool) * 0.6 + 0.2
    test_probs = np.where(rng.random(200) < 0.8, y_test, 1 - y_test) * 0.6 + 0.2
    none = np.zeros((0, 0))
    out = weak_to_strong(none, none, None, x_pool, y_pool, None, x_test, y_test,
                         weak_probs=(pool_probs, test_probs))  # fmt: skip
    np.testing.assert_array_equal(out.pool_weak_probs, pool_probs)
    assert out.weak["accuracy"] == ((test_probs > 0.5) == y_test).mean()
    assert out.weak_label_accuracy == ((pool_probs > 0.5) == y_pool).mean()
    assert out.w2s["accuracy"] > out.weak["accuracy"]  # the student denoises its labels
    with pytest.raises(W2SGError, match="weak_probs"):
        weak_to_strong(none, none, None, x_pool, y_pool, None, x_test, y_test,
                       weak_probs=(pool_probs[:5], test_probs))  # fmt: skip


@pytest.mark.slow
def test_study_with_a_label_model_on_sentiment_functions(tmp_path):
    pytest.importorskip("snorkel")
    proc = subprocess.run(
        [sys.executable, "-m", "w2sg", "run", *SMALL, "--weak-supervisor", "labelmodel",
         "--label-functions", "sentiment", "--out", str(tmp_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["config"]["weak_supervisor"] == "labelmodel"
    assert r["config"]["label_functions"] == "sentiment"
    assert "weak" not in r["provenance"]["models"]  # no weak model was run
    sup = r["weak_supervisor"]
    assert sup["name"] == "labelmodel" and sup["label_model"]["library"] == "snorkel==0.10.0"
    assert len(sup["label_model"]["estimated_function_accuracy"]) == 6
    summary = sup["label_functions"]["summary"]
    assert set(summary) == {"weak_train", "strong_train", "test"}
    assert summary["strong_train"]["rows"] == 200
    vader = summary["test"]["functions"][0]
    assert vader["name"] == "vader_compound" and 0.5 < vader["coverage"] <= 1
    assert 0.55 < vader["accuracy"] < 0.9
    # the label model plays the weak model: better than chance, below the MPNet ceiling
    assert 0.55 < r["weak"]["accuracy"] < r["ceiling"]["accuracy"]
    assert 0.0 <= sup["majority_test_accuracy"] <= 1.0
    z = np.load(tmp_path / "overlap.npz")
    assert sorted(np.concatenate([z["overlap"], z["easy_only"], z["hard_only"]])) == list(
        range(200)
    )
    assert r["weak_label_accuracy"] == ((z["weak_probs"] > 0.5) == z["pool_labels"]).mean()
    assert len([row for row in r["mixing"] if row["kind"] == "mix"]) == 11 * 2
    summary_md = (tmp_path / "summary.md").read_text()
    assert summary_md.startswith("# W2S study: rotten_tomatoes, labelmodel on sentiment → mpnet")


def _write_wrench_from(dataset, folder: Path, sizes: dict[str, int]) -> None:
    """A small WRENCH text task from real texts, weak labels from the sentiment functions."""
    from w2sg.supervision import apply_label_functions, load_label_functions

    lfs = load_label_functions("sentiment")
    start = 0
    folder.mkdir()
    for split, n in sizes.items():
        part = dataset.subset(np.arange(start, start + n))
        start += n
        matrix = apply_label_functions(lfs.functions, list(part.texts))
        rows = {
            f"{split}{i}": {"label": int(y), "weak_labels": m.tolist(), "data": {"text": t}}
            for i, (t, y, m) in enumerate(zip(part.texts, part.labels, matrix, strict=True))
        }
        (folder / f"{split}.json").write_text(json.dumps(rows))


@pytest.mark.slow
def test_study_on_a_wrench_folder_uses_its_own_label_matrix(tmp_path):
    from w2sg.data import load_dataset
    from w2sg.study.run import run_study

    rt = load_dataset("rotten_tomatoes")
    order = np.random.default_rng(0).permutation(len(rt))[:210]
    _write_wrench_from(rt.subset(order), tmp_path / "rt", {"train": 140, "valid": 10, "test": 60})
    config = StudyConfig(
        dataset=f"wrench:{tmp_path / 'rt'}", weak_supervisor="majority", weak_train=30,
        strong_train=30, test=30, mixing_seeds=(0,), mixing_qs=(0.0, 0.5, 1.0),
        selection=False,
    )  # fmt: skip
    r = run_study(config, tmp_path / "out", log=lambda _: None)
    sup = r["weak_supervisor"]
    assert sup["name"] == "majority" and "own label matrix" in sup["label_functions"]["source"]
    assert [f["name"] for f in sup["label_functions"]["summary"]["test"]["functions"]] == [
        f"lf{j}" for j in range(6)
    ]
    assert r["dataset"]["meta"]["format"] == "wrench"
    assert r["per_seed"][0]["stages"]["probes"]["status"] == "ok"
    assert 0.5 <= r["weak"]["accuracy"] <= 1.0 and r["ceiling"]["accuracy"] > 0.5
