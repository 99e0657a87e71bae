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
from w2sg.data.types import TextDataset
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


def _tiny_wrench(folder: Path) -> Path:
    """A WRENCH text folder of a few rows: enough for the command line to accept it."""
    folder.mkdir()
    for split, n in (("train", 8), ("valid", 4), ("test", 4)):
        rows = {
            str(i): {"label": i % 2, "weak_labels": [i % 2, -1, 1 - i % 2],
                     "data": {"text": f"{split} row {i}"}}
            for i in range(n)
        }  # fmt: skip
        (folder / f"{split}.json").write_text(json.dumps(rows))
    return folder


class _Built(Exception):
    """Raised by the stand-in study: the command line built its config, nothing ran."""


def _cli_config(tmp_path: Path, monkeypatch, *args: str) -> StudyConfig:
    """The StudyConfig `w2sg run ARGS` builds (the study itself is replaced)."""
    import w2sg.study.run

    seen: list[StudyConfig] = []

    def built(config, out, log=print):
        seen.append(config)
        raise _Built

    monkeypatch.setattr(w2sg.study.run, "run_study", built)
    data = tmp_path / "toy" if (tmp_path / "toy").exists() else _tiny_wrench(tmp_path / "toy")
    result = CliRunner().invoke(
        app, ["run", "--dataset", f"wrench:{data}", "--weak-supervisor", "labelmodel", *args,
              "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert isinstance(result.exception, _Built), result.output
    return seen[0]


def test_preset_wrench_sets_the_label_model_and_an_explicit_option_wins(tmp_path, monkeypatch):
    pytest.importorskip("snorkel")
    from w2sg.report.blocks import to_markdown
    from w2sg.report.study_summary import study_blocks

    plain = _cli_config(tmp_path, monkeypatch)
    assert (plain.preset, plain.label_model_epochs, plain.preset_json()) == (None, 500, None)
    wrench = _cli_config(tmp_path, monkeypatch, "--preset", "wrench")
    assert (wrench.label_model_epochs, wrench.label_model_prior) == (100, "wrench")
    assert wrench.preset_overrides == ()
    mine = _cli_config(tmp_path, monkeypatch, "--preset", "wrench", "--label-model-epochs", "50")
    assert mine.label_model_epochs == 50 and mine.preset_overrides == ("label_model_epochs",)
    epochs = mine.preset_json()["settings"][0]
    assert epochs["field"] == "label_model_epochs" and epochs["overridden"] is True
    assert (epochs["preset"], epochs["value"]) == (100, 50)
    assert "wrench/labelmodel/snorkel.py" in epochs["source"]
    # the default itself, given explicitly, also wins over the preset
    default = _cli_config(
        tmp_path, monkeypatch, "--preset", "wrench", "--label-model-epochs", "500"
    )
    assert default.label_model_epochs == 500 and default.preset_overrides == ("label_model_epochs",)
    results = {"config": mine.to_json(), "preset": mine.preset_json(), "weak": None,
               "per_seed": [{"overlap": None, "mixing": None}]}  # fmt: skip
    summary = to_markdown(study_blocks(results))
    assert "Preset **wrench**: the label model as JieyuZ2/wrench fits Snorkel." in summary
    assert "- `label_model_epochs` = 50 instead of the preset's 100" in summary


def test_an_unknown_preset_is_one_line_naming_the_known_ones():
    result = CliRunner().invoke(app, ["run", "--preset", "wrenchh"])
    assert isinstance(result.exception, W2SGError)
    message = str(result.exception)
    assert "unknown preset 'wrenchh'" in message and "known: wrench" in message
    assert "\n" not in message


def test_study_records_the_preset_and_snorkels_prior_from_validation_rows(
    tmp_path, make_label_matrix
):
    """A label-model study on generated arrays: results.json and summary.md say which preset
    ran, the class prior and which labelled rows it came from."""
    pytest.importorskip("snorkel")
    from w2sg.study.prepare import PreparedStudy, StudyArrays
    from w2sg.study.run import run_prepared_study

    rng = np.random.default_rng(0)
    votes, y = make_label_matrix(5, 500, (0.85, 0.7, 0.65), (0.8, 0.8, 0.9))
    strong = ((2 * y - 1)[:, None] * 1.5 + rng.normal(0, 1, (500, 4))).astype(np.float32)
    none = np.zeros((500, 0), dtype=np.float32)
    w, p, t = slice(0, 150), slice(150, 350), slice(350, 500)
    arrays = StudyArrays(
        weak_train_x=none[w], weak_train_y=y[w], pool_ids=np.array([f"p{i}" for i in range(200)]),
        pool_weak_x=none[p], pool_strong_x=strong[p], pool_y=y[p], pool_sources=None,
        test_weak_x=none[t], test_strong_x=strong[t], test_y=y[t],
        weak_train_votes=votes[w], pool_votes=votes[p], test_votes=votes[t],
        vote_names=("a", "b", "c"), val_labels=np.array([0] * 6 + [1] * 2),
        val_source="valid.json of toy",
    )  # fmt: skip
    dataset = TextDataset.from_rows("generated", [f"t{i}" for i in range(10)], [0, 1] * 5)
    config = StudyConfig(
        dataset="wrench:toy", weak_supervisor="labelmodel", preset="wrench", weak_train=150,
        strong_train=200, test=150, mixing_seeds=(0,), mixing_qs=(0.0, 1.0), selection=False,
    )  # fmt: skip
    prepared = PreparedStudy(dataset=dataset, arrays={0: arrays})
    r = run_prepared_study(config, prepared, tmp_path, log=lambda _: None)
    sup = r["weak_supervisor"]
    assert sup["label_model"]["n_epochs"] == 100
    assert sup["class_prior"]["class_balance"] == [7 / 8, 3 / 8]  # (6 + 1) / 8, (2 + 1) / 8
    assert sup["class_prior"]["source"] == "valid.json of toy"
    assert sup["label_model"]["class_balance"] == [7 / 8, 3 / 8]
    assert r["preset"]["name"] == "wrench" and r["config"]["preset"] == "wrench"
    summary = (tmp_path / "summary.md").read_text()
    assert "Preset **wrench**" in summary and "Every setting of the preset is in force." in summary
    assert "class prior (0.8750, 0.3750) from valid.json of toy (class counts 6 / 2)" in summary


def test_the_prior_reads_the_study_val_split_else_wrenchs_valid_file(tmp_path):
    from w2sg.study.prepare import load_splits, validation_rows

    folder = _tiny_wrench(tmp_path / "toy")
    sizes = {"weak_train": 2, "strong_train": 2, "test": 2}
    config = StudyConfig(dataset=f"wrench:{folder}", weak_supervisor="majority", **sizes)
    dataset, splits = load_splits(config, log=lambda _: None)
    rows = validation_rows(config, dataset, splits[0])
    assert rows is not None and rows.source == f"valid.json of {folder}"
    assert sorted(rows.labels.tolist()) == [0, 0, 1, 1]  # all four rows of valid.json
    with_val = StudyConfig(dataset=f"wrench:{folder}", weak_supervisor="majority", val=2, **sizes)
    dataset, splits = load_splits(with_val, log=lambda _: None)
    rows = validation_rows(with_val, dataset, splits[0])
    assert rows is not None and rows.source == "the study's val split (split seed 0)"
    assert rows.labels.tolist() == splits[0].val.labels.tolist()
    plain = TextDataset.from_rows("plain", [f"t{i}" for i in range(12)], [0, 1] * 6)
    assert validation_rows(StudyConfig(**sizes), plain, splits[0]) is None
