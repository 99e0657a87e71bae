"""`w2sg models`, `w2sg cache` and `w2sg extract` on a tiny model and a CSV file."""

from __future__ import annotations

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
    args = ["extract", str(csv), "--model", tiny_bert, "--layers", "-1", "--dtype", "float32",
            "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "layer -1: 12 x 32" in result.output
    assert np.load(out).shape == (12, 32)
    listing = runner.invoke(app, ["cache", "ls"])
    assert "reviews" in listing.output and "float32" in listing.output
    removed = runner.invoke(app, ["cache", "rm", "--all"])
    assert "removed 1 " in removed.output


def test_extract_rejects_bad_layers(tiny_bert, tmp_path):
    result = CliRunner().invoke(app, ["extract", "x.csv", "--model", tiny_bert, "--layers", "a"])
    assert result.exit_code != 0
    assert "--layers must be comma-separated integers" in str(result.exception)
