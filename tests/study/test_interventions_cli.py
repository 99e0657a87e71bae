"""`w2sg interventions` and `w2sg probes sweep` end to end on a tiny file with the real models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from w2sg.cli import app

GOOD = ["a wonderful, moving film", "great acting and a clever plot", "I loved every minute",
        "a delight from start to finish", "funny, warm and beautifully shot"]  # fmt: skip
BAD = ["a dull, lifeless film", "terrible acting and a silly plot", "I hated every minute",
       "a chore from start to finish", "boring, cold and badly shot"]  # fmt: skip


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["text,label"]
    for i in range(36):
        for label, pool in ((1, GOOD), (0, BAD)):
            a, b = rng.choice(len(pool), 2, replace=False)
            rows.append(f'"{pool[a]}; {pool[b]} (#{i})",{label}')
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_bad_options_fail_before_any_work(reviews: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "interventions",
            "--dataset",
            str(reviews),
            "--interventions",
            "filter:svm",
            "--out",
            str(tmp_path / "x"),
        ],  # fmt: skip
    )
    assert result.exit_code != 0
    assert "filter needs a probe" in str(result.exception)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_interventions_and_sweep_on_real_models(reviews: Path, tmp_path: Path) -> None:
    sizes = ["--weak-train", "24", "--strong-train", "24", "--test", "24"]
    out = tmp_path / "iv"
    result = CliRunner().invoke(
        app,
        [
            "interventions",
            "--dataset",
            str(reviews),
            *sizes,
            "--seeds",
            "0,1",
            "--k",
            "5",
            "--interventions",
            "none,probe:knn,filter:topo,relabel:logistic,confident,overlap",
            "--out",
            str(out),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    res = json.loads((out / "results.json").read_text())
    assert res["probe_layer"] == 6 and res["student_layer"] == 12
    table = res["interventions"]
    assert list(table) == ["none", "probe:knn", "filter:topo", "relabel:logistic",
                           "confident", "overlap"]  # fmt: skip
    for seed in res["per_seed"]:
        rows = seed["interventions"]
        assert rows["none"]["test"] == seed["w2s"]  # the plain student is the study's
        assert rows["confident"]["n_kept"] == 12
        assert rows["filter:topo"]["n_kept"] <= 24 - 2
        assert 0 <= rows["relabel:logistic"]["test"]["accuracy"] <= 1
    assert table["none"]["pgr_accuracy_vs_plain"]["mean"] in (0.0, None)
    assert table["none"]["n_kept"]["mean"] == 24
    assert "provenance" in res and res["config"]["options"]["k"] == 5
    assert (out / "interventions_pgr.png").stat().st_size > 0
    assert "| filter:topo |" in (out / "summary.md").read_text()

    sweep_out = tmp_path / "sweep"
    result = CliRunner().invoke(
        app,
        [
            "probes",
            "sweep",
            "--dataset",
            str(reviews),
            *sizes,
            "--layers",
            "6,12",
            "--ks",
            "3,5",
            "--l2s",
            "0.01",
            "--out",
            str(sweep_out),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    sweep = json.loads((sweep_out / "results.json").read_text())
    assert sweep["layers"] == [6, 12]
    assert np.array(sweep["sweep"]["knn"]["auc_gain"], dtype=float).shape == (2, 2)
    assert sweep["sweep"]["logistic"]["best"]["layer"] in (6, 12)
    assert (sweep_out / "probes_sweep.png").exists()
