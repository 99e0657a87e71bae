"""`w2sg gap`: the val gap of each weak choice of a sweep grid (never reading test), the rule's
choice per dataset, and per-dataset pairs in a sweep file; generated corpus, tiny BERT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.data import load_dataset, seed_splits
from w2sg.errors import W2SGError
from w2sg.models import get_activations
from w2sg.models.bow import fit_tfidf
from w2sg.probes.logistic import LogisticProbe
from w2sg.study import prepare
from w2sg.sweep.grid import check_names, parse_sweep, plan_cells
from w2sg.sweep.val_gap import run_val_gap

SIZES = {"weak_train": 40, "strong_train": 60, "val": 40, "test": 40, "selection": False}


@pytest.fixture(scope="module")
def corpus(sentiment_csv: Path) -> Path:
    return sentiment_csv


def _grid(corpus: Path, tiny: str, **extra) -> dict:
    return {
        "name": "gaps",
        "datasets": [{"name": str(corpus), "label": "corpus"}],
        "pairs": [["tfidf", tiny], [f"{tiny}:layer1", tiny]],
        "methods": {"full": {"kind": "study", "params": SIZES},
                    "few": {"kind": "study", "params": {**SIZES, "weak_train": 20}}},
        "seeds": [0, 1],
        **extra,
    }  # fmt: skip


def test_per_dataset_pairs_replace_the_sweeps(tiny_bert: str) -> None:
    config = parse_sweep({
        "name": "mine", "methods": ["study"], "seeds": [0],
        "datasets": [{"name": "rotten_tomatoes", "pairs": [["tfidf", "mpnet-base"]]},
                     {"name": "vader_tweets", "pairs": [["minilm-l6:layer1", "mpnet-base"]]}],
    })  # fmt: skip
    assert config.pairs == ()
    weak = {(c.dataset, c.weak) for c in plan_cells(config)}
    assert weak == {("rotten_tomatoes", "tfidf"), ("vader_tweets", "minilm-l6:layer1")}
    cells = plan_cells(config)
    assert cells[1].config.weak_model == "minilm-l6:layer1" and "layer1" in cells[1].id


@pytest.mark.parametrize(
    ("datasets", "message"),
    [([{"name": "rotten_tomatoes", "pairs": []}], "is empty"),
     ([{"name": "rotten_tomatoes", "pairs": [["tfidf", "m"], ["tfidf", "m"]]}], "unique"),
     (["rotten_tomatoes"], "needs a non-empty 'pairs'")],
)  # fmt: skip
def test_bad_pairs_fail_in_one_line(datasets: list, message: str) -> None:
    with pytest.raises(W2SGError, match=message):
        parse_sweep({"methods": ["study"], "seeds": [0], "datasets": datasets})


def test_bad_model_names_in_a_sweep_fail_before_any_work() -> None:
    for pair, message in ((["minilm-l6:top", "mpnet-base"], "write layerK"),
                          (["minilm-l6", "tfidf"], "weak model only")):  # fmt: skip
        raw = {"methods": ["study"], "seeds": [0], "datasets": ["rotten_tomatoes"],
               "pairs": [pair]}  # fmt: skip
        with pytest.raises(W2SGError, match=message):
            config = parse_sweep(raw)
            check_names(config)
            plan_cells(config)


def test_val_gaps_never_read_test(corpus: Path, tiny_bert: str, monkeypatch, tmp_path: Path):
    seen: list[str] = []

    def spy(model, dataset, **kwargs):
        seen.extend(dataset.ids.astype(str).tolist())
        return get_activations(model, dataset, **kwargs)

    monkeypatch.setattr(prepare, "get_activations", spy)  # every model read goes through it
    grid = _grid(corpus, tiny_bert, seeds=[0])
    del grid["methods"]["few"]  # one split of the rows: its test rows are nobody's others
    config = parse_sweep(grid)
    result = run_val_gap(config, tmp_path, log=lambda _: None)
    s = seed_splits(load_dataset(str(corpus)), plan_cells(config)[0].config.sizes(), (0,))[0]
    assert seen and not set(s.test.ids.astype(str)) & set(seen)
    assert set(s.val.ids.astype(str)) <= set(seen)
    assert result["split"] == "val" and len(result["table"]) == 2


def test_the_numbers_are_the_probes_on_val(corpus: Path, tiny_bert: str, tmp_path: Path):
    result = run_val_gap(parse_sweep(_grid(corpus, tiny_bert)), tmp_path, log=lambda _: None)
    rows = json.loads(json.dumps(result["table"]))
    per_seed = {(r["weak_model"], r["method"], r["seed"]): r
                for r in _csv_rows(tmp_path / "gaps.csv")}  # fmt: skip
    ds = load_dataset(str(corpus))
    sizes = plan_cells(parse_sweep(_grid(corpus, tiny_bert)))[0].config.sizes()
    s = seed_splits(ds, sizes, (1,))[1]
    weak = LogisticProbe(l2=1e-3).fit(fit_tfidf(s.weak_train.texts).transform(s.weak_train.texts),
                                      s.weak_train.labels)  # fmt: skip
    weak_acc = np.mean((weak.predict(fit_tfidf(s.weak_train.texts).transform(s.val.texts)) > 0.5)
                       == s.val.labels)  # fmt: skip
    strong = {p: get_activations(tiny_bert, getattr(s, p), progress=False)[-1]
              for p in ("strong_train", "val")}  # fmt: skip
    ceiling = LogisticProbe(l2=1e-3).fit(strong["strong_train"], s.strong_train.labels)
    ceiling_acc = np.mean((ceiling.predict(strong["val"]) > 0.5) == s.val.labels)
    row = per_seed[("tfidf", "full", 1)]
    assert row["weak_accuracy"] == pytest.approx(weak_acc, abs=1e-12)
    assert row["ceiling_accuracy"] == pytest.approx(ceiling_acc, abs=1e-12)
    full = next(r for r in rows if r["weak_model"] == "tfidf" and r["method"] == "full")
    gaps = [per_seed[("tfidf", "full", k)]["ceiling_accuracy"]
            - per_seed[("tfidf", "full", k)]["weak_accuracy"] for k in (0, 1)]  # fmt: skip
    assert full["gap_mean"] == pytest.approx(np.mean(gaps))
    assert full["gap_sd"] == pytest.approx(np.std(gaps, ddof=1))
    assert (tmp_path / "gaps.md").read_text().count("\n") == 2 + 4


def _csv_rows(path: Path) -> list[dict]:
    import pandas as pd

    return pd.read_csv(path).to_dict(orient="records")


def test_gap_command_prints_the_choice(corpus: Path, tiny_bert: str, tmp_path: Path) -> None:
    path = tmp_path / "gaps.yaml"
    path.write_text(yaml.safe_dump(_grid(corpus, tiny_bert)))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["gap", str(path), "--min-gap", "0", "--min-weak", "0",
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    gaps = json.loads((out / "gaps.json").read_text())
    (choice,) = gaps["choices"].values()
    best = max(r["weak_accuracy_mean"] for r in gaps["table"] if r["gap_mean"] >= 0)
    assert choice["weak_accuracy_mean"] == best and gaps["rule"] == {"min_gap": 0, "min_weak": 0}
    assert gaps["provenance"]["models"]["tfidf"]["kind"] == "bag-of-words"
    bad = CliRunner().invoke(app, ["gap", str(path), "--min-gap", "2", "--out", str(out)])
    assert bad.exit_code != 0 and "min-gap must be <= 1" in str(bad.exception)


def test_val_is_required_and_methods_must_be_probe_mode(corpus: Path, tiny_bert: str, tmp_path):
    no_val = _grid(corpus, tiny_bert)
    no_val["methods"] = {"full": {"kind": "study", "params": {**SIZES, "val": 0}}}
    with pytest.raises(W2SGError, match="measured on val"):
        run_val_gap(parse_sweep(no_val), tmp_path, log=lambda _: None)
    finetune = _grid(corpus, tiny_bert)
    finetune["pairs"] = [[f"{tiny_bert}:layer1", tiny_bert]]
    finetune["methods"] = {"ft": {"kind": "finetune", "params": {"weak_train": 40,
                                  "strong_train": 40, "val": 40, "test": 40}}}  # fmt: skip
    with pytest.raises(W2SGError, match="not a probe-mode method"):
        run_val_gap(parse_sweep(finetune), tmp_path, log=lambda _: None)
