"""`w2sg select` rejects bad options with one line, before loading data or models."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.errors import W2SGError


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategies", "greedy"], "unknown strategies"),
        (["--densities", "0,0.9"], "densities"),
        (["--arms", "mixed"], "arm kind"),
        (["--seeds", "a,b"], "--seeds"),
        (["--estimator", "bayes"], "--estimator must be one of reference, calibrated"),
        (["--detection", "rolling"], "--detection must be one of history, pooled, batch"),
        (["--calibration-size", "0"], "--calibration-size"),
    ],
)
def test_select_rejects_bad_options(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["select", "--dataset", "no-such-data", *args])
    assert isinstance(result.exception, W2SGError)
    assert message in str(result.exception)
    assert "\n" not in str(result.exception)


def test_select_is_registered() -> None:
    result = CliRunner().invoke(app, ["select", "--help"])
    assert result.exit_code == 0
    assert "--detection" in result.output and "--estimator" in result.output


def test_run_rejects_an_unknown_selection_estimator_before_any_work() -> None:
    result = CliRunner().invoke(app, ["run", "--selection-estimator", "bayes"])
    assert isinstance(result.exception, W2SGError)
    assert "--selection-estimator" in str(result.exception)
