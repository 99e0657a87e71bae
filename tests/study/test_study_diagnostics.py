"""A study's diagnostics before the student (split strength, weak-strong similarity) and several
weak supervisors (docs/methods.md#split-strength, #similarity, #several-weak-supervisors), on
generated data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.study.config import StudyConfig
from w2sg.study.interventions import InterventionsConfig, run_seed, summarise
from w2sg.study.prepare import PreparedStudy, StudyArrays, WeakView
from w2sg.study.run import run_prepared_study

CONFIG = StudyConfig(
    weak_train=600, strong_train=600, test=600, mixing_seeds=(0,), selection=False
)  # fmt: skip


def _rows(n: int, rng: np.random.Generator, signal: float = 0.3):
    """Labels shown by every one of 20 weak features (each weak model reads one half) and by
    the strong view's first feature."""
    y = rng.integers(0, 2, n)
    s = (2.0 * y - 1.0)[:, None]
    weak = s * signal + rng.normal(size=(n, 20))
    strong = np.hstack([s * 1.5 + rng.normal(size=(n, 1)), rng.normal(size=(n, 9))])
    return y, weak.astype(np.float32), strong.astype(np.float32)


def _prepared(two_weak: bool) -> PreparedStudy:
    rng = np.random.default_rng(0)
    (yw, xw, _), (yp, xpw, xps), (yt, xtw, xts) = (_rows(600, rng) for _ in range(3))
    views = None
    if two_weak:
        views = tuple(
            WeakView(name, xw[:, cols], xpw[:, cols], xtw[:, cols])
            for name, cols in (("left", slice(0, 10)), ("right", slice(10, 20)))
        )
    arrays = StudyArrays(
        weak_train_x=xw[:, :10], weak_train_y=yw, pool_ids=np.array([f"p{i}" for i in range(600)]),
        pool_weak_x=xpw[:, :10], pool_strong_x=xps, pool_y=yp, pool_sources=None,
        test_weak_x=xtw[:, :10], test_strong_x=xts, test_y=yt, weak_views=views,
    )  # fmt: skip
    dataset = TextDataset.from_rows("generated", [f"t{i}" for i in range(10)], [0, 1] * 5)
    return PreparedStudy(dataset=dataset, arrays={0: arrays})


def test_a_study_says_whether_its_splits_are_found_and_how_alike_weak_and_strong_err(tmp_path):
    results = run_prepared_study(CONFIG, _prepared(False), tmp_path, log=lambda m: None)
    split = results["overlap"]["confidence_split"]
    assert split["verdict"] in ("found", "arbitrary") and split["n"] == 600
    assert split["threshold"] == pytest.approx(results["overlap"]["confidence_threshold"])
    assert results["overlap"]["overlap_split"]["verdict"] in ("found", "arbitrary")
    sim = results["similarity"]
    for block in (sim["test"]["weak_vs_ceiling"], sim["pool"]["weak_vs_ceiling"]):
        assert 0 <= block["error_agreement"] <= 1 and block["capa"] is not None
    assert sim["test"]["weak_vs_ceiling"]["accuracy_a"] == results["weak"]["accuracy"]
    assert sim["test"]["weak_vs_student"]["accuracy_b"] == results["w2s"]["accuracy"]
    assert results["weak_ensemble"] is None  # one weak model: no ensemble
    summary = (tmp_path / "summary.md").read_text()
    assert "## Can this study work?" in summary and "confidence split (t1)" in summary
    assert ("a found gap" in summary) or ("an arbitrary cut" in summary)
    assert "| weak against | error agreement | kappa of errors | CAPA |" in summary
    assert "CAPA" in (tmp_path / "report.html").read_text()


def test_one_weak_model_keeps_its_numbers_when_views_are_absent(tmp_path):
    """The single-model path is the old one: the weak probe on weak_train_x."""
    results = run_prepared_study(CONFIG, _prepared(False), tmp_path, log=lambda m: None)
    two = _prepared(True).arrays[0]
    direct = two.weak_to_strong(CONFIG.l2)  # weak_*_x are the left half
    assert results["weak"] == direct.weak and results["w2s"] == direct.w2s


@pytest.mark.parametrize("combiner", ["mean", "stacking", "agreement"])
def test_two_weak_models_each_knowing_half_beat_either(combiner, tmp_path):
    config = dataclasses.replace(CONFIG, weak_model="left,right", weak_combiner=combiner)
    results = run_prepared_study(config, _prepared(True), tmp_path, log=lambda m: None)
    ens = results["weak_ensemble"]
    assert list(ens["members"]) == ["left", "right"]
    single = max(m["accuracy"] for m in ens["members"].values())
    assert results["weak"]["accuracy"] > single + 0.02  # the ensemble is the study's weak
    assert ens["best_single_metrics"]["accuracy"] == single
    assert ens["combiner"]["combiner"] == combiner and set(ens["combiner"]["weights"]) == {
        "left",
        "right",
    }
    assert "accuracy" in ens["pgr_best_single"]
    assert results["overlap"]["n_hard_only"] > 0  # detection runs on the ensemble's labels
    summary = (tmp_path / "summary.md").read_text()
    assert "## Weak supervisors" in summary and "best single" in summary


def test_the_ensemble_stage_is_resumed(tmp_path):
    config = dataclasses.replace(CONFIG, weak_model="left,right")
    first = run_prepared_study(config, _prepared(True), tmp_path, log=lambda m: None)
    again = run_prepared_study(config, _prepared(True), tmp_path, log=lambda m: None)
    assert again["weak_ensemble"] == first["weak_ensemble"]
    assert "seed0/probes" in again["provenance"]["resumed_stages"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weak", "minilm-l6,minilm-l6"], "lists minilm-l6 twice"),
        (["--weak", "minilm-l6,,mpnet-base"], "empty name"),
        (["--weak-combiner", "stacking"], "needs several weak models"),
        (["--weak", "a,b", "--weak-combiner", "vote"], "must be one of"),
        (["--weak", "labelmodel"], "use --weak-supervisor labelmodel"),
        (["--weak", "a,majority"], "needs --label-functions"),
        (["--weak", "a,b", "--weak-supervisor", "majority", "--label-functions", "sentiment"],
         "list it in --weak"),
    ],
)  # fmt: skip
def test_run_rejects_bad_weak_lists_in_one_line(args, message):
    result = CliRunner().invoke(app, ["run", "--dataset", "no-such-data", *args])
    assert isinstance(result.exception, W2SGError), result.output
    assert message in str(result.exception) and "\n" not in str(result.exception)


def test_unknown_weak_model_fails_before_any_data_is_read(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--dataset",
            "no-such-data",
            "--weak",
            "minilm-l6,no-such-model",
            "--out",
            str(tmp_path),
        ],
    )
    assert isinstance(result.exception, W2SGError)
    assert "no-such-model" in str(result.exception)  # not the missing dataset


def test_other_commands_take_one_weak_model():
    with pytest.raises(W2SGError, match="several weak models are combined by w2sg run"):
        InterventionsConfig(weak_model="minilm-l6,mpnet-base")


def test_interventions_write_the_similarity_of_each_seed_and_its_mean():
    config = InterventionsConfig(interventions=("none",), seeds=(0,))
    a = _prepared(False).arrays[0]
    rows = [run_seed(config, 0, a, a.pool_strong_x, a.test_strong_x, lambda m: None)]
    sim = rows[0]["similarity"]["test"]["weak_vs_ceiling"]
    assert sim["accuracy_a"] == rows[0]["weak"]["accuracy"]
    assert summarise(rows, ["none"])["similarity"] == rows[0]["similarity"]
