"""`w2sg synth mechanism | detect` write their JSON, tables and figures."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from w2sg.cli import app


def test_synth_mechanism_writes_json_and_figures(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "synth",
            "mechanism",
            "--runs",
            "2",
            "--counts",
            "0,20",
            "--n-test",
            "50",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "mechanism_overlap.json").read_text())
    assert doc["config"]["counts"] == [0, 20] and doc["chance"] == [True, False]
    for ext in ("png", "svg"):
        assert (tmp_path / f"mechanism_overlap.{ext}").stat().st_size > 1000


def test_synth_detect_writes_tables_and_heatmap(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "synth",
            "detect",
            "--repeats",
            "1",
            "--absent-noise",
            "0,1",
            "--easy-signal",
            "2",
            "--hard-signal",
            "2,4",
            "--proportions",
            "0.4,0.3,0.3",
            "--pool-size",
            "120",
            "--detectors",
            "reference,knn",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "detection.json").read_text())
    assert doc["config"]["detectors"] == ["reference", "knn"] and len(doc["rows"]) == 8
    assert (tmp_path / "detection.csv").read_text().count("\n") == 9
    assert "| knn |" in (tmp_path / "detection.md").read_text()
    assert (tmp_path / "detection_heatmap.png").stat().st_size > 1000


def test_synth_bad_numbers_are_one_line_errors(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["synth", "detect", "--pool-size", "big", "--out", str(tmp_path)])
    assert res.exit_code != 0
    assert "pool-size" in str(res.exception)
