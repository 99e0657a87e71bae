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
    assert "--detection" in result.output
