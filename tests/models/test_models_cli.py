"""`w2sg models`, `w2sg cache` and `w2sg extract` on a tiny model and a CSV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from w2sg.cli import app


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


def test_models_list_shows_every_alias():
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0
    for alias in ("minilm-l6", "mpnet-base", "smollm2-135m"):
        assert alias in result.output


def test_extract_then_ls_then_rm(tiny_bert, texts, tmp_path):
    csv = tmp_path / "reviews.csv"
    rows = "\n".join(f'"{t.replace(chr(34), "")}",{i % 2}' for i, t in enumerate(texts))
    csv.write_text("text,label\n" + rows + "\n")
    out = tmp_path / "vectors.npy"
    runner = CliRunner()
    args = ["extract", "--dataset", str(csv), "--model", tiny_bert, "--layers", "-1",
            "--dtype", "float32", "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "layer -1: 12 x 32" in result.output
    assert np.load(out).shape == (12, 32)
    listing = runner.invoke(app, ["cache", "ls"])
    assert Path(tiny_bert).name in listing.output and "float32" in listing.output
    assert "12" in listing.output  # texts
    pruned = runner.invoke(app, ["cache", "prune", "--max-size", "1GB"])
    assert "removed 0 shard(s)" in pruned.output
    bad = runner.invoke(app, ["cache", "prune", "--max-size", "big"])
    assert bad.exit_code != 0 and "size must look like" in str(bad.exception)
    removed = runner.invoke(app, ["cache", "rm", "--all"])
    assert "removed 1 activation store(s)" in removed.output


def test_extract_split_cuts_the_splits_of_w2sg_run(tiny_bert, texts, monkeypatch):
    """A literature task's own test pool reaches `test`, as in `w2sg run` (docs/tasks.md)."""
    import w2sg.cli.models
    import w2sg.data
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.data.types import TextDataset
    from w2sg.models import activations

    rows = texts * 3
    ds = TextDataset.from_rows(
        "task", [f"{t} #{i}" for i, t in enumerate(rows)], [i % 2 for i in range(len(rows))],
        sources=["test" if i % 3 == 0 else "train" for i in range(len(rows))],
        meta={w2sg.data.POOL_META_KEY: "sources"},
    )  # fmt: skip
    monkeypatch.setattr(w2sg.cli.models, "load_dataset", lambda name, **kw: ds)
    seen = []
    original = activations.get_text_activations
    monkeypatch.setattr(
        activations,
        "get_text_activations",
        lambda m, t, **kw: seen.append(list(t)) or original(m, t, **kw),
    )
    args = ["extract", "--dataset", "task", "--model", tiny_bert, "--dtype", "float32",
            "--split", "test", "--seeds", "3", "--weak-train", "4", "--strong-train", "4",
            "--test", "6"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = make_splits(ds, SplitSizes(4, 4, 0, 6), 3, test_pool=w2sg.data.own_test_pool(ds))
    assert seen == [expected.test.texts.tolist()]
    assert all(ds.sources[list(ds.ids).index(i)] == "test" for i in expected.test.ids)
    assert "6 rows of task (test (seed 3))" in result.output


def test_extract_rejects_bad_layers(tiny_bert, tmp_path):
    result = CliRunner().invoke(
        app, ["extract", "--dataset", "x.csv", "--model", tiny_bert, "--layers", "a"]
    )
    assert result.exit_code != 0
    assert "--layers must be comma-separated whole numbers" in str(result.exception)


def test_extract_tfidf_fits_on_weak_train_of_the_split_seed(sentiment_csv, tmp_path):
    from w2sg.data import load_dataset, seed_splits
    from w2sg.data.splits import SplitSizes
    from w2sg.models.bow import fit_tfidf

    out = tmp_path / "tfidf.npy"
    args = ["extract", "--dataset", str(sentiment_csv), "--model", "tfidf", "--split", "val",
            "--seeds", "2", "--weak-train", "40", "--strong-train", "40", "--val", "40",
            "--test", "40", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "fitted on weak_train of split seed 2, not stored" in result.output
    s = seed_splits(load_dataset(str(sentiment_csv)), SplitSizes(40, 40, 40, 40), (2,))[2]
    np.testing.assert_array_equal(
        np.load(out), fit_tfidf(s.weak_train.texts).transform(s.val.texts)
    )
    listing = CliRunner().invoke(app, ["cache", "ls"])
    assert "total 0 B" in listing.output  # nothing stored
    bad = CliRunner().invoke(app, ["extract", "--dataset", str(sentiment_csv), "-m", "tfidf",
                                   "--layers", "3"])  # fmt: skip
    assert bad.exit_code != 0 and "one layer of features" in str(bad.exception)


def test_extract_a_cut_model_names_its_own_layers(tiny_bert, texts, tmp_path):
    csv = tmp_path / "reviews.csv"
    rows = "\n".join(f'"{t.replace(chr(34), "")}",{i % 2}' for i, t in enumerate(texts))
    csv.write_text("text,label\n" + rows + "\n")
    runner = CliRunner()
    cut = runner.invoke(app, ["extract", "--dataset", str(csv), "-m", f"{tiny_bert}:layer1",
                              "--out", str(tmp_path / "cut.npy")])  # fmt: skip
    assert cut.exit_code == 0, cut.output
    full = runner.invoke(app, ["extract", "--dataset", str(csv), "-m", tiny_bert, "--layers",
                               "1", "--out", str(tmp_path / "full.npy")])  # fmt: skip
    assert full.exit_code == 0, full.output
    np.testing.assert_array_equal(np.load(tmp_path / "cut.npy"), np.load(tmp_path / "full.npy"))
    deep = runner.invoke(app, ["extract", "--dataset", str(csv), "-m", f"{tiny_bert}:layer5"])
    assert deep.exit_code != 0 and "has 2 blocks" in str(deep.exception)
