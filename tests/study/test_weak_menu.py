"""The weak model menu in the probe-mode commands, on a generated corpus and a tiny BERT:
`tfidf` (fitted on each seed's weak_train, recorded in results) and `NAME:layerK`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.data import load_dataset, seed_splits
from w2sg.interventions.sets import InterventionOptions
from w2sg.models.bow import fit_tfidf
from w2sg.study.config import StudyConfig
from w2sg.study.interventions import InterventionsConfig, run_interventions
from w2sg.study.probe_sweep import ProbeSweepConfig, run_probe_sweep

SMALL = ["--weak-train", "40", "--strong-train", "60", "--test", "40", "--mixing-seeds", "0",
         "--mixing-qs", "0,0.5,1", "--no-selection"]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(sentiment_csv: Path) -> Path:
    return sentiment_csv


def _run(tmp: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["run", *SMALL, *args, "--out", str(tmp)])
    assert result.exit_code == 0, result.output
    return json.loads((tmp / "results.json").read_text())


@pytest.fixture(scope="module")
def two_seeds(corpus: Path, tiny_bert: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`w2sg run --weak tfidf` with split seeds 0 and 1."""
    return _run(tmp_path_factory.mktemp("tfidf"), "--dataset", str(corpus), "--weak", "tfidf",
                "--strong", tiny_bert, "--seeds", "0,1")  # fmt: skip


def test_run_with_tfidf_records_its_fit_per_seed(corpus: Path, two_seeds: dict):
    r = two_seeds
    assert r["config"]["weak_model"] == "tfidf"
    weak = r["provenance"]["models"]["weak"]
    assert weak["kind"] == "bag-of-words" and weak["settings"]["max_features"] == 2048
    assert weak["scikit-learn"] and weak["identity"].startswith("tfidf:")
    splits = seed_splits(load_dataset(str(corpus)), StudyConfig(
        dataset=str(corpus), weak_train=40, strong_train=60, test=40).sizes(), (0, 1))  # fmt: skip
    for seed in (0, 1):
        fit = fit_tfidf(splits[seed].weak_train.texts).describe()
        assert weak["fits"][str(seed)]["vocabulary_size"] == fit["vocabulary_size"]
        assert weak["fits"][str(seed)]["fit_rows"] == 40
    assert 0.6 < r["weak"]["accuracy"] <= 1.0  # the sentiment word is in the vocabulary


def test_a_seeds_numbers_do_not_depend_on_the_other_seeds(
    corpus: Path, tiny_bert: str, tmp_path: Path, two_seeds: dict
):
    both = two_seeds
    alone = _run(tmp_path / "alone", "--dataset", str(corpus), "--weak", "tfidf", "--strong",
                 tiny_bert, "--seeds", "1")  # fmt: skip
    seed1 = next(s for s in both["per_seed"] if s["seed"] == 1)
    for key in ("weak", "w2s", "ceiling", "weak_label_accuracy"):
        assert seed1[key] == alone["per_seed"][0][key]


def test_a_cut_weak_model_is_its_layer(corpus: Path, tiny_bert: str, tmp_path: Path):
    cut = _run(tmp_path / "cut", "--dataset", str(corpus), "--weak", f"{tiny_bert}:layer1",
               "--strong", tiny_bert)  # fmt: skip
    layer = _run(tmp_path / "layer", "--dataset", str(corpus), "--weak", tiny_bert,
                 "--weak-layer", "1", "--strong", tiny_bert)  # fmt: skip
    assert cut["weak"] == layer["weak"] and cut["w2s"] == layer["w2s"]
    assert cut["provenance"]["models"]["weak"]["cut"] == 1
    assert cut["config"]["weak_model"].endswith(":layer1")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--weak", "tfidf", "--weak-layer", "2"], "one layer of features"),
     (["--weak", "minilm-l6:top"], "write layerK"), (["--strong", "tfidf"], "weak model only")],
)  # fmt: skip
def test_bad_weak_choices_fail_in_one_line(corpus: Path, tmp_path: Path, args, message):
    result = CliRunner().invoke(app, ["run", "--dataset", str(corpus), *args, "--out",
                                      str(tmp_path / "x")])  # fmt: skip
    assert result.exit_code != 0 and message in str(result.exception)
    assert not (tmp_path / "x").exists()


def test_interventions_and_the_probes_sweep_take_tfidf(
    corpus: Path, tiny_bert: str, tmp_path: Path
):
    sizes = {"dataset": str(corpus), "weak_model": "tfidf", "strong_model": tiny_bert,
             "weak_train": 40, "strong_train": 60, "test": 40, "seeds": (0,)}  # fmt: skip
    iv = run_interventions(
        InterventionsConfig(**sizes, interventions=("none", "filter:knn"),
                            options=InterventionOptions(k=5)), tmp_path / "iv",
        log=lambda _: None)  # fmt: skip
    assert iv["provenance"]["models"]["weak"]["fits"]["0"]["fit_rows"] == 40
    assert iv["interventions"]["filter:knn"]["n_kept"]["mean"] > 0
    sweep = run_probe_sweep(
        ProbeSweepConfig(**sizes, ks=(5,), l2s=(0.01,), probes=("knn", "logistic")),
        tmp_path / "ps", log=lambda _: None)  # fmt: skip
    assert sweep["provenance"]["models"]["weak"]["kind"] == "bag-of-words"
    assert sweep["layers"] == [1, 2]
